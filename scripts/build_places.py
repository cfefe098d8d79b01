"""Regenerate ``places.json``, the gazetteer the entity analyzer types and merges places with.

Run ``python src/narrascope/data/_build_places.py`` after editing the tables below.
Written from general knowledge (no external data set): every UN member state (193) plus
Kosovo, Taiwan, Palestine, the Holy See and a few historical states that news about the
post-Soviet space still names (Soviet Union, Yugoslavia, ...), then regions, cities and
seats of government.

Row formats (fields separated by ``|``, list items by ``;``):

* COUNTRIES: ``canonical|ISO alpha-2|aliases|demonyms and adjectives|capitals``.
  A capital is written ``Name=Variant=Variant`` (variants: other spellings and former names
  of the same city); several capitals are separated by ``;``.
* REGIONS: ``canonical|type (GPE or LOC)|country codes|aliases|demonyms``.
* CITIES: ``canonical|country code|variants``.
* SEATS: ``canonical|country code|type|variants`` (buildings or streets that stand for a
  government: the Kremlin, Downing Street).

Names that are also common first names or words (Chad, Jordan, Georgia, Victoria, ...) are
listed in AMBIGUOUS: they retype a span the NER already found but are never added from the
gazetteer alone.
"""

from __future__ import annotations

import json
from pathlib import Path

COUNTRIES = """
Afghanistan|AF|Islamic Republic of Afghanistan;Islamic Emirate of Afghanistan|Afghan;Afghans;Afghani;Afghanis|Kabul
Albania|AL|Republic of Albania|Albanian;Albanians|Tirana=Tirane
Algeria|DZ||Algerian;Algerians|Algiers
Andorra|AD||Andorran;Andorrans|Andorra la Vella
Angola|AO||Angolan;Angolans|Luanda
Antigua and Barbuda|AG|Antigua|Antiguan;Antiguans;Barbudan|Saint John's=St. John's
Argentina|AR|Argentine Republic|Argentine;Argentines;Argentinian;Argentinians;Argentinean;Argentineans|Buenos Aires
Armenia|AM|Republic of Armenia;Hayastan|Armenian;Armenians|Yerevan=Erevan=Erivan
Australia|AU|Commonwealth of Australia|Australian;Australians|Canberra
Austria|AT|Republic of Austria|Austrian;Austrians|Vienna=Wien
Azerbaijan|AZ|Azerbaidjan;Azerbaidzhan;Azerbaydzhan;Azerbaijan Republic;Republic of Azerbaijan|Azerbaijani;Azerbaijanis;Azeri;Azeris;Azerbaijanian|Baku
Bahamas|BS|The Bahamas;Commonwealth of The Bahamas|Bahamian;Bahamians|Nassau
Bahrain|BH|Kingdom of Bahrain|Bahraini;Bahrainis|Manama
Bangladesh|BD|People's Republic of Bangladesh|Bangladeshi;Bangladeshis|Dhaka=Dacca
Barbados|BB||Barbadian;Barbadians;Bajan;Bajans|Bridgetown
Belarus|BY|Belorussia;Byelorussia;Belarussia;Belorussiya;Byelorussiya;Bielorussia;White Russia;Republic of Belarus;Byelorussian SSR;Belorussian SSR|Belarusian;Belarusians;Belarussian;Belarussians;Belorussian;Belorussians;Byelorussian;Byelorussians|Minsk
Belgium|BE|Kingdom of Belgium|Belgian;Belgians|Brussels=Bruxelles=Brussel
Belize|BZ|British Honduras|Belizean;Belizeans|Belmopan
Benin|BJ|Dahomey|Beninese|Porto-Novo=Porto Novo
Bhutan|BT||Bhutanese|Thimphu
Bolivia|BO|Plurinational State of Bolivia|Bolivian;Bolivians|Sucre;La Paz
Bosnia and Herzegovina|BA|Bosnia;Bosnia-Herzegovina;Bosnia & Herzegovina;Bosnia and Hercegovina;BiH|Bosnian;Bosnians;Herzegovinian;Herzegovinians|Sarajevo
Botswana|BW|Bechuanaland|Motswana;Batswana;Botswanan|Gaborone
Brazil|BR|Brasil;Federative Republic of Brazil|Brazilian;Brazilians|Brasilia=Brasília
Brunei|BN|Brunei Darussalam|Bruneian;Bruneians|Bandar Seri Begawan
Bulgaria|BG|Republic of Bulgaria|Bulgarian;Bulgarians|Sofia
Burkina Faso|BF|Upper Volta;Burkina|Burkinabe;Burkinabè|Ouagadougou
Burundi|BI||Burundian;Burundians|Gitega
Cabo Verde|CV|Cape Verde|Cape Verdean;Cape Verdeans;Cabo Verdean;Cabo Verdeans|Praia
Cambodia|KH|Kampuchea;Kingdom of Cambodia|Cambodian;Cambodians;Khmer|Phnom Penh
Cameroon|CM|Cameroun|Cameroonian;Cameroonians|Yaounde=Yaoundé
Canada|CA||Canadian;Canadians|Ottawa
Central African Republic|CF|Centrafrique|Central African;Central Africans|Bangui
Chad|TD|Tchad|Chadian;Chadians|N'Djamena=NDjamena=N’Djamena
Chile|CL|Republic of Chile|Chilean;Chileans|Santiago=Santiago de Chile
China|CN|People's Republic of China;PRC;P.R.C.;Mainland China;Red China;Communist China|Chinese|Beijing=Peking=Peiping
Colombia|CO|Republic of Colombia|Colombian;Colombians|Bogota=Bogotá
Comoros|KM|Union of the Comoros|Comoran;Comorian;Comorians|Moroni
Republic of the Congo|CG|Congo-Brazzaville;Congo Brazzaville;Republic of Congo|Congolese (Brazzaville)|Brazzaville
Costa Rica|CR||Costa Rican;Costa Ricans|San José=San Jose
Côte d'Ivoire|CI|Ivory Coast;Cote d'Ivoire;Côte d’Ivoire;Cote d’Ivoire;Cote dIvoire|Ivorian;Ivorians|Yamoussoukro
Croatia|HR|Hrvatska;Republic of Croatia|Croatian;Croatians;Croat;Croats|Zagreb
Cuba|CU|Republic of Cuba|Cuban;Cubans|Havana=La Habana
Cyprus|CY|Republic of Cyprus|Cypriot;Cypriots|Nicosia=Lefkosia
Czech Republic|CZ|Czechia;Czech Rep.|Czech;Czechs|Prague=Praha
North Korea|KP|Democratic People's Republic of Korea;DPRK;D.P.R.K.;Democratic People’s Republic of Korea|North Korean;North Koreans|Pyongyang=Pyeongyang
Democratic Republic of the Congo|CD|DR Congo;D.R. Congo;DRC;D.R.C.;Congo-Kinshasa;Congo Kinshasa;Zaire;Congo;Democratic Republic of Congo|Congolese|Kinshasa=Leopoldville
Denmark|DK|Kingdom of Denmark|Danish;Dane;Danes|Copenhagen=København
Djibouti|DJ|Republic of Djibouti|Djiboutian;Djiboutians|Djibouti City
Dominica|DM|Commonwealth of Dominica|Dominican (Dominica)|Roseau
Dominican Republic|DO||Dominican;Dominicans|Santo Domingo
Ecuador|EC|Republic of Ecuador|Ecuadorian;Ecuadorians;Ecuadorean;Ecuadoreans|Quito
Egypt|EG|Arab Republic of Egypt|Egyptian;Egyptians|Cairo
El Salvador|SV||Salvadoran;Salvadorans;Salvadorean;Salvadoreans|San Salvador
Equatorial Guinea|GQ||Equatorial Guinean;Equatorial Guineans;Equatoguinean;Equatoguineans|Malabo
Eritrea|ER||Eritrean;Eritreans|Asmara=Asmera
Estonia|EE|Republic of Estonia;Eesti|Estonian;Estonians|Tallinn=Tallin=Reval
Eswatini|SZ|Swaziland;Kingdom of Eswatini|Swazi;Swazis;Emaswati|Mbabane;Lobamba
Ethiopia|ET|Abyssinia|Ethiopian;Ethiopians|Addis Ababa=Addis Abeba
Fiji|FJ|Republic of Fiji|Fijian;Fijians|Suva
Finland|FI|Suomi;Republic of Finland|Finnish;Finn;Finns|Helsinki=Helsingfors
France|FR|French Republic;République française|French;Frenchman;Frenchmen;Frenchwoman;Frenchwomen|Paris
Gabon|GA|Gabonese Republic|Gabonese|Libreville
Gambia|GM|The Gambia|Gambian;Gambians|Banjul=Bathurst
Georgia|GE|Sakartvelo;Gruzia;Gruziya|Georgian;Georgians|Tbilisi=Tiflis
Germany|DE|Federal Republic of Germany;FRG;Deutschland|German;Germans|Berlin
Ghana|GH|Gold Coast|Ghanaian;Ghanaians|Accra
Greece|GR|Hellas;Hellenic Republic|Greek;Greeks|Athens=Athina
Grenada|GD||Grenadian;Grenadians|Saint George's=St. George's
Guatemala|GT|Republic of Guatemala|Guatemalan;Guatemalans|Guatemala City
Guinea|GN|Guinea-Conakry;Republic of Guinea|Guinean;Guineans|Conakry
Guinea-Bissau|GW|Guinea Bissau|Bissau-Guinean;Bissau-Guineans|Bissau
Guyana|GY|British Guiana|Guyanese|Georgetown
Haiti|HT|Republic of Haiti|Haitian;Haitians|Port-au-Prince=Port au Prince
Honduras|HN|Republic of Honduras|Honduran;Hondurans|Tegucigalpa
Hungary|HU|Magyarország;Magyarorszag|Hungarian;Hungarians;Magyar;Magyars|Budapest
Iceland|IS|Republic of Iceland|Icelandic;Icelander;Icelanders|Reykjavik=Reykjavík
India|IN|Bharat;Republic of India;Hindustan|Indian;Indians|New Delhi=Delhi
Indonesia|ID|Republic of Indonesia|Indonesian;Indonesians|Jakarta=Djakarta;Nusantara
Iran|IR|Islamic Republic of Iran;Persia|Iranian;Iranians|Tehran=Teheran
Iraq|IQ|Republic of Iraq|Iraqi;Iraqis|Baghdad
Ireland|IE|Republic of Ireland;Eire;Éire|Irish;Irishman;Irishmen;Irishwoman|Dublin
Israel|IL|State of Israel|Israeli;Israelis|Jerusalem
Italy|IT|Italia;Italian Republic|Italian;Italians|Rome=Roma
Jamaica|JM||Jamaican;Jamaicans|Kingston
Japan|JP|Nippon;Nihon|Japanese|Tokyo=Tokio
Jordan|JO|Hashemite Kingdom of Jordan|Jordanian;Jordanians|Amman
Kazakhstan|KZ|Kazakstan;Qazaqstan;Kazakhstan Republic;Republic of Kazakhstan;Kazakh SSR;Kazakhiya;Kazakhia|Kazakh;Kazakhs;Kazakhstani;Kazakhstanis;Kazak;Kazaks;Qazaq;Qazaqs|Astana=Nur-Sultan=Nursultan=Nur Sultan=Akmola=Aqmola=Akmolinsk=Tselinograd
Kenya|KE|Republic of Kenya|Kenyan;Kenyans|Nairobi
Kiribati|KI||I-Kiribati|South Tarawa=Tarawa
Kuwait|KW|State of Kuwait|Kuwaiti;Kuwaitis|Kuwait City
Kyrgyzstan|KG|Kirghizia;Kirgizia;Kirghiziya;Kirgiziya;Kyrgyz Republic;Kirghizstan;Kirgizstan;Kyrgyzia;Kirghiz SSR|Kyrgyz;Kirghiz;Kirgiz;Kyrgyzstani;Kyrgyzstanis|Bishkek=Frunze=Pishpek
Laos|LA|Lao PDR;Lao People's Democratic Republic|Lao;Laotian;Laotians|Vientiane
Latvia|LV|Republic of Latvia;Latvija|Latvian;Latvians;Lett;Letts|Riga
Lebanon|LB|Lebanese Republic|Lebanese|Beirut=Beyrouth
Lesotho|LS|Basutoland|Basotho;Mosotho|Maseru
Liberia|LR|Republic of Liberia|Liberian;Liberians|Monrovia
Libya|LY|State of Libya;Libyan Arab Jamahiriya|Libyan;Libyans|Tripoli
Liechtenstein|LI|Principality of Liechtenstein|Liechtensteiner;Liechtensteiners|Vaduz
Lithuania|LT|Republic of Lithuania;Lietuva|Lithuanian;Lithuanians|Vilnius=Vilna=Wilno
Luxembourg|LU|Grand Duchy of Luxembourg|Luxembourger;Luxembourgers;Luxembourgish|Luxembourg City
Madagascar|MG|Republic of Madagascar|Malagasy|Antananarivo=Tananarive
Malawi|MW|Nyasaland|Malawian;Malawians|Lilongwe
Malaysia|MY||Malaysian;Malaysians|Kuala Lumpur;Putrajaya
Maldives|MV|The Maldives;Republic of Maldives|Maldivian;Maldivians|Malé
Mali|ML|Republic of Mali|Malian;Malians|Bamako
Malta|MT|Republic of Malta|Maltese|Valletta=Valetta
Marshall Islands|MH|Republic of the Marshall Islands|Marshallese|Majuro
Mauritania|MR|Islamic Republic of Mauritania|Mauritanian;Mauritanians|Nouakchott
Mauritius|MU|Republic of Mauritius|Mauritian;Mauritians|Port Louis=Port-Louis
Mexico|MX|México;United Mexican States|Mexican;Mexicans|Mexico City
Micronesia|FM|Federated States of Micronesia|Micronesian;Micronesians|Palikir
Moldova|MD|Republic of Moldova;Moldavia;Moldavian SSR|Moldovan;Moldovans;Moldavian;Moldavians|Chisinau=Chișinău=Chişinău=Kishinev=Kishinyov=Kishineu
Monaco|MC|Principality of Monaco|Monegasque;Monégasque;Monacan|
Mongolia|MN|Outer Mongolia|Mongolian;Mongolians;Mongol;Mongols|Ulaanbaatar=Ulan Bator=Ulan-Bator=Ulaanbaatar City
Montenegro|ME|Crna Gora|Montenegrin;Montenegrins|Podgorica=Titograd
Morocco|MA|Kingdom of Morocco|Moroccan;Moroccans|Rabat
Mozambique|MZ|Republic of Mozambique|Mozambican;Mozambicans|Maputo=Lourenço Marques
Myanmar|MM|Burma;Republic of the Union of Myanmar|Burmese;Myanmarese;Myanma|Naypyidaw=Nay Pyi Taw=Naypyitaw
Namibia|NA|South West Africa|Namibian;Namibians|Windhoek
Nauru|NR|Republic of Nauru|Nauruan;Nauruans|Yaren
Nepal|NP|Federal Democratic Republic of Nepal|Nepali;Nepalis;Nepalese|Kathmandu=Katmandu
Netherlands|NL|The Netherlands;Holland;Kingdom of the Netherlands|Dutch;Dutchman;Dutchmen;Dutchwoman|Amsterdam;The Hague=Den Haag
New Zealand|NZ|Aotearoa|New Zealander;New Zealanders;Kiwi;Kiwis|Wellington
Nicaragua|NI|Republic of Nicaragua|Nicaraguan;Nicaraguans|Managua
Niger|NE|Republic of Niger|Nigerien;Nigeriens|Niamey
Nigeria|NG|Federal Republic of Nigeria|Nigerian;Nigerians|Abuja
North Macedonia|MK|Macedonia;Republic of North Macedonia;FYROM;Former Yugoslav Republic of Macedonia|Macedonian;Macedonians;North Macedonian;North Macedonians|Skopje
Norway|NO|Kingdom of Norway;Norge|Norwegian;Norwegians|Oslo
Oman|OM|Sultanate of Oman|Omani;Omanis|Muscat
Pakistan|PK|Islamic Republic of Pakistan|Pakistani;Pakistanis|Islamabad
Palau|PW|Republic of Palau|Palauan;Palauans|Ngerulmud
Panama|PA|Republic of Panama|Panamanian;Panamanians|Panama City
Papua New Guinea|PG|PNG|Papua New Guinean;Papua New Guineans|Port Moresby
Paraguay|PY|Republic of Paraguay|Paraguayan;Paraguayans|Asunción=Asuncion
Peru|PE|Republic of Peru|Peruvian;Peruvians|Lima
Philippines|PH|The Philippines;Republic of the Philippines|Filipino;Filipinos;Filipina;Filipinas;Philippine|Manila
Poland|PL|Polska;Republic of Poland;Rzeczpospolita|Polish;Pole;Poles|Warsaw=Warszawa
Portugal|PT|Portuguese Republic|Portuguese|Lisbon=Lisboa
Qatar|QA|State of Qatar|Qatari;Qataris|Doha
South Korea|KR|Republic of Korea;ROK;Korea|South Korean;South Koreans;Korean;Koreans|Seoul
Romania|RO|Rumania;Roumania|Romanian;Romanians;Rumanian;Rumanians|Bucharest=Bucuresti=București
Russia|RU|Russian Federation;Rossiya;Rossija;Rossiia;Russian Empire|Russian;Russians|Moscow=Moskva
Rwanda|RW|Republic of Rwanda|Rwandan;Rwandans;Rwandese|Kigali
Saint Kitts and Nevis|KN|St. Kitts and Nevis;St Kitts and Nevis;Saint Kitts;St. Kitts|Kittitian;Kittitians;Nevisian;Nevisians|Basseterre
Saint Lucia|LC|St. Lucia;St Lucia|Saint Lucian;Saint Lucians;St. Lucian|Castries
Saint Vincent and the Grenadines|VC|St. Vincent and the Grenadines;St Vincent and the Grenadines;Saint Vincent;St. Vincent|Vincentian;Vincentians|Kingstown
Samoa|WS|Western Samoa;Independent State of Samoa|Samoan;Samoans|Apia
San Marino|SM|Republic of San Marino|Sammarinese|City of San Marino
Sao Tome and Principe|ST|São Tomé and Príncipe;Sao Tome & Principe|Santomean;Santomeans;São Toméan;Sao Tomean|São Tomé=Sao Tome
Saudi Arabia|SA|Kingdom of Saudi Arabia;KSA|Saudi;Saudis;Saudi Arabian;Saudi Arabians|Riyadh=Riyad=Ar-Riyadh
Senegal|SN|Republic of Senegal|Senegalese|Dakar
Serbia|RS|Srbija;Republic of Serbia|Serbian;Serbians;Serb;Serbs|Belgrade=Beograd
Seychelles|SC|The Seychelles;Republic of Seychelles|Seychellois|Victoria
Sierra Leone|SL|Republic of Sierra Leone|Sierra Leonean;Sierra Leoneans|Freetown
Singapore|SG|Republic of Singapore|Singaporean;Singaporeans|
Slovakia|SK|Slovak Republic;Slovensko|Slovak;Slovaks;Slovakian;Slovakians|Bratislava=Pressburg
Slovenia|SI|Republic of Slovenia;Slovenija|Slovenian;Slovenians;Slovene;Slovenes|Ljubljana=Laibach
Solomon Islands|SB||Solomon Islander;Solomon Islanders|Honiara
Somalia|SO|Federal Republic of Somalia|Somali;Somalis|Mogadishu
South Africa|ZA|Republic of South Africa;RSA|South African;South Africans|Pretoria=Tshwane;Cape Town;Bloemfontein
South Sudan|SS|Republic of South Sudan|South Sudanese|Juba
Spain|ES|España;Espana;Kingdom of Spain|Spanish;Spaniard;Spaniards|Madrid
Sri Lanka|LK|Ceylon|Sri Lankan;Sri Lankans;Ceylonese|Sri Jayawardenepura Kotte=Kotte;Colombo
Sudan|SD|The Sudan;Republic of the Sudan|Sudanese|Khartoum
Suriname|SR|Surinam;Dutch Guiana|Surinamese|Paramaribo
Sweden|SE|Sverige;Kingdom of Sweden|Swedish;Swede;Swedes|Stockholm
Switzerland|CH|Swiss Confederation;Helvetia;Schweiz;Suisse|Swiss|Bern=Berne
Syria|SY|Syrian Arab Republic|Syrian;Syrians|Damascus
Tajikistan|TJ|Tadzhikistan;Tadjikistan;Tajikstan;Tadzhik SSR;Tajik SSR|Tajik;Tajiks;Tadzhik;Tadzhiks;Tadjik;Tadjiks;Tajikistani;Tajikistanis|Dushanbe=Stalinabad
Tanzania|TZ|United Republic of Tanzania|Tanzanian;Tanzanians|Dodoma
Thailand|TH|Siam;Kingdom of Thailand|Thai;Thais|Bangkok=Krung Thep
Timor-Leste|TL|East Timor;Timor Leste|Timorese;East Timorese|Dili
Togo|TG|Togolese Republic|Togolese|Lomé=Lome
Tonga|TO|Kingdom of Tonga|Tongan;Tongans|Nuku'alofa=Nukualofa
Trinidad and Tobago|TT|Trinidad;Trinidad & Tobago|Trinidadian;Trinidadians;Tobagonian;Tobagonians|Port of Spain=Port-of-Spain
Tunisia|TN|Tunisian Republic|Tunisian;Tunisians|Tunis
Turkey|TR|Türkiye;Turkiye;Republic of Turkey;Republic of Türkiye|Turkish;Turk;Turks|Ankara=Angora
Turkmenistan|TM|Turkmenia;Turkmen SSR|Turkmen;Turkmens;Turkmenistani;Turkmenistanis;Turkoman;Turkomans|Ashgabat=Ashkhabad=Ashgabad=Poltoratsk
Tuvalu|TV|Ellice Islands|Tuvaluan;Tuvaluans|Funafuti
Uganda|UG|Republic of Uganda|Ugandan;Ugandans|Kampala
Ukraine|UA|the Ukraine;Ukrayina;Ukraina;Ukrainian SSR|Ukrainian;Ukrainians|Kyiv=Kiev=Kyyiv=Kiyv=Kiew=Kijev
United Arab Emirates|AE|UAE;U.A.E.;Emirates;the Emirates|Emirati;Emiratis|Abu Dhabi
United Kingdom|GB|UK;U.K.;Britain;Great Britain;United Kingdom of Great Britain and Northern Ireland;Gt. Britain|British;Briton;Britons;Brit;Brits;Britisher;Britishers|London
United States|US|United States of America;USA;U.S.A.;U.S.;US;America;the States|American;Americans|Washington=Washington, D.C.=Washington DC=Washington D.C.
Uruguay|UY|Oriental Republic of Uruguay|Uruguayan;Uruguayans|Montevideo
Uzbekistan|UZ|Uzbekstan;Ozbekiston;Uzbek SSR|Uzbek;Uzbeks;Uzbekistani;Uzbekistanis|Tashkent=Toshkent
Vanuatu|VU|New Hebrides|Ni-Vanuatu;Vanuatuan|Port Vila=Port-Vila
Venezuela|VE|Bolivarian Republic of Venezuela|Venezuelan;Venezuelans|Caracas
Vietnam|VN|Viet Nam;Viet-Nam;Socialist Republic of Vietnam|Vietnamese|Hanoi=Ha Noi
Yemen|YE|Republic of Yemen|Yemeni;Yemenis;Yemenite;Yemenites|Sanaa=Sana'a=Sana’a
Zambia|ZM|Northern Rhodesia|Zambian;Zambians|Lusaka
Zimbabwe|ZW|Rhodesia;Southern Rhodesia|Zimbabwean;Zimbabweans|Harare
"""

# Partially recognised states and observers, named in the brief and common in the news.
OTHER_STATES = """
Kosovo|XK|Republic of Kosovo;Kosova|Kosovar;Kosovars;Kosovan;Kosovans|Pristina=Prishtina=Priština=Prishtinë
Taiwan|TW|Republic of China;ROC;Formosa;Chinese Taipei|Taiwanese|Taipei
Palestine|PS|State of Palestine;Palestinian territories;Palestinian Territories;Occupied Palestinian Territories|Palestinian;Palestinians|Ramallah;East Jerusalem
Vatican City|VA|Holy See;Vatican;the Vatican;Vatican City State|Vatican|
"""

# Historical states (ISO 3166-3 codes); no capital, so Moscow stays Russia's.
HISTORICAL = """
Soviet Union|SU|USSR;U.S.S.R.;the Soviet Union;Union of Soviet Socialist Republics;Soviet Russia|Soviet;Soviets|
Yugoslavia|YU|Socialist Federal Republic of Yugoslavia;Federal Republic of Yugoslavia;SFRY|Yugoslav;Yugoslavs;Yugoslavian|
Czechoslovakia|CS|Czechoslovak Socialist Republic|Czechoslovak;Czechoslovaks;Czechoslovakian|
East Germany|DD|German Democratic Republic;GDR;DDR|East German;East Germans|East Berlin
"""

REGIONS = """
Crimea|GPE|UA|Crimean Peninsula;Krym;Krim;Republic of Crimea;Autonomous Republic of Crimea;the Crimea|Crimean;Crimeans
Donbas|GPE|UA|Donbass;Donets Basin;Donbas region;Donbass region|
Donetsk People's Republic|GPE|UA|DPR;DNR;Donetsk Republic;Donetsk People’s Republic|
Luhansk People's Republic|GPE|UA|LPR;LNR;Lugansk People's Republic;Luhansk People’s Republic;Lugansk People’s Republic|
Novorossiya|GPE|UA|Novorossia;New Russia|
Nagorno-Karabakh|GPE|AZ|Nagorno Karabakh;Nagorny Karabakh;Nagornyi Karabakh;Mountainous Karabakh;Upper Karabakh;Karabakh;Artsakh;Republic of Artsakh;Nagorno-Karabakh Republic|Karabakhi
Transnistria|GPE|MD|Transdniestria;Transdnistria;Transdniester;Trans-Dniester;Trans-Dniestr;Pridnestrovie;Pridnestrovye;Pridnestrovia;Pridnestrovian Moldavian Republic;Transnistrian Moldavian Republic;PMR|Transnistrian;Transnistrians;Pridnestrovian
Abkhazia|GPE|GE|Abkhaziya;Abkhazeti;Republic of Abkhazia|Abkhaz;Abkhazian;Abkhazians
South Ossetia|GPE|GE|Tskhinvali Region;Samachablo;South Ossetiya;Republic of South Ossetia|South Ossetian;South Ossetians
North Ossetia|GPE|RU|North Ossetia-Alania;North Ossetiya;Alania|North Ossetian
Kurdistan|GPE|IQ|Kurdistan Region;Iraqi Kurdistan;Kurdistan Region of Iraq;KRG|Kurdish;Kurd;Kurds
Chechnya|GPE|RU|Chechen Republic;Chechnia;Ichkeria;Chechen Republic of Ichkeria|Chechen;Chechens
Dagestan|GPE|RU|Daghestan;Republic of Dagestan|Dagestani;Dagestanis
Ingushetia|GPE|RU|Ingushetiya|Ingush
Tatarstan|GPE|RU|Republic of Tatarstan|Tatar;Tatars
Bashkortostan|GPE|RU|Bashkiria;Bashkiriya|Bashkir;Bashkirs
Kaliningrad Oblast|GPE|RU|Kaliningrad Region;Kaliningrad region|
Siberia|LOC|RU|Sibir|Siberian;Siberians
Urals|LOC|RU|Ural;Ural Mountains;the Urals;Ural region;Ural area|
Russian Far East|LOC|RU|Far East|
Kuril Islands|LOC|RU|Kurils;Kuriles;Kurile Islands;Northern Territories|
Gagauzia|GPE|MD|Gagauz Yeri;Gagauziya|Gagauz
Adjara|GPE|GE|Ajaria;Adjaria|Adjarian
Nakhchivan|GPE|AZ|Nakhichevan;Naxçıvan|
Karakalpakstan|GPE|UZ|Karakalpakia|Karakalpak;Karakalpaks
Xinjiang|GPE|CN|Xinjiang Uygur Autonomous Region;East Turkestan;Sinkiang|Uyghur;Uyghurs;Uighur;Uighurs
Tibet|GPE|CN|Tibet Autonomous Region;Xizang|Tibetan;Tibetans
Hong Kong|GPE|CN|Hongkong;HKSAR|Hongkonger;Hong Konger;Hong Kongers
Macau|GPE|CN|Macao|Macanese
Kashmir|GPE|IN|Jammu and Kashmir;Kashmir Valley|Kashmiri;Kashmiris
Gaza Strip|GPE|PS|Gaza|Gazan;Gazans
West Bank|GPE|PS|Judea and Samaria|
Golan Heights|GPE|SY|Golan|
Northern Cyprus|GPE|CY|Turkish Republic of Northern Cyprus;TRNC|Turkish Cypriot;Turkish Cypriots
Western Sahara|GPE|EH|Sahrawi Arab Democratic Republic|Sahrawi;Sahrawis
Greenland|GPE|DK|Kalaallit Nunaat|Greenlandic;Greenlander;Greenlanders
Puerto Rico|GPE|US||Puerto Rican;Puerto Ricans
Scotland|GPE|GB||Scottish;Scot;Scots
England|GPE|GB||English;Englishman;Englishmen
Wales|GPE|GB|Cymru|Welsh
Northern Ireland|GPE|GB|Ulster|Northern Irish
Catalonia|GPE|ES|Catalunya;Cataluña|Catalan;Catalans
Europe|LOC||European continent|European;Europeans
Asia|LOC|||Asian;Asians
Africa|LOC|||African;Africans
North America|LOC|||North American;North Americans
South America|LOC|||South American;South Americans
Latin America|LOC|||Latin American;Latin Americans
Oceania|LOC|||
Antarctica|LOC|||
Eurasia|LOC|||Eurasian
Middle East|LOC||Near East;Mideast|Middle Eastern
Central Asia|LOC||Middle Asia|Central Asian;Central Asians
South Caucasus|LOC||Transcaucasia;Transcaucasus|
North Caucasus|LOC|RU|Northern Caucasus|North Caucasian
Caucasus|LOC||the Caucasus;Caucasus region|
Balkans|LOC||the Balkans;Balkan Peninsula;Western Balkans|Balkan
Baltic states|LOC||Baltics;the Baltics;Baltic countries;Baltic republics|
Eastern Europe|LOC||East Europe|Eastern European;Eastern Europeans
Western Europe|LOC|||Western European;Western Europeans
Central Europe|LOC|||Central European;Central Europeans
Scandinavia|LOC|||Scandinavian;Scandinavians
Arctic|LOC||the Arctic;Arctic region|
Global South|LOC||the Global South|
Global North|LOC||the Global North|
West|LOC||the West;Western world;the Western world;Western countries;Western nations|Western;Westerners
Indo-Pacific|LOC||Indo Pacific|
Asia-Pacific|LOC||Asia Pacific;APAC|
Sahel|LOC||the Sahel|Sahelian
Horn of Africa|LOC|||
Persian Gulf|LOC||Arabian Gulf;the Gulf|
Black Sea|LOC|||
Baltic Sea|LOC|||
Caspian Sea|LOC||Caspian|
Sea of Azov|LOC||Azov Sea|
Mediterranean|LOC||Mediterranean Sea|Mediterranean
Red Sea|LOC|||
South China Sea|LOC|||
Taiwan Strait|LOC||Taiwan Straits;Strait of Taiwan|
Strait of Hormuz|LOC||Hormuz Strait|
Bosporus|LOC||Bosphorus|
Kerch Strait|LOC||Strait of Kerch|
Dnieper|LOC||Dnipro River;Dnieper River;Dnepr River|
"""

CITIES = """
Kharkiv|UA|Kharkov;Charkiv;Kharkiw
Odesa|UA|Odessa;Odesa city
Lviv|UA|Lvov;Lwow;Lwów;Lemberg;Lvіv
Dnipro|UA|Dnipropetrovsk;Dnepropetrovsk;Dnepr;Yekaterinoslav
Zaporizhzhia|UA|Zaporozhye;Zaporizhia;Zaporozhie;Zaporizhzhya;Zaporozhe
Kherson|UA|
Mykolaiv|UA|Nikolaev;Nikolayev;Mykolayiv
Chernihiv|UA|Chernigov
Sumy|UA|
Poltava|UA|
Vinnytsia|UA|Vinnitsa;Vinnytsya
Zhytomyr|UA|Zhitomir
Rivne|UA|Rovno
Lutsk|UA|
Ternopil|UA|Ternopol
Uzhhorod|UA|Uzhgorod
Chernivtsi|UA|Chernovtsy;Czernowitz
Ivano-Frankivsk|UA|Ivano-Frankovsk;Stanislav
Kramatorsk|UA|
Sloviansk|UA|Slavyansk;Slovyansk
Mariupol|UA|Mariupol'
Bakhmut|UA|Artemovsk;Artyomovsk;Artemivsk
Avdiivka|UA|Avdeevka;Avdeyevka
Melitopol|UA|
Berdyansk|UA|Berdiansk
Izium|UA|Izyum
Kupiansk|UA|Kupyansk
Pokrovsk|UA|Krasnoarmeysk
Sievierodonetsk|UA|Severodonetsk
Lysychansk|UA|Lisichansk
Bucha|UA|
Irpin|UA|Irpen
Enerhodar|UA|Energodar
Donetsk|UA|
Luhansk|UA|Lugansk
Horlivka|UA|Gorlovka
Makiivka|UA|Makeyevka;Makeevka
Sevastopol|UA|Sebastopol
Simferopol|UA|
Kerch|UA|
Yalta|UA|
Saint Petersburg|RU|St. Petersburg;St Petersburg;Petersburg;Leningrad;Petrograd;Sankt-Peterburg
Novosibirsk|RU|
Yekaterinburg|RU|Ekaterinburg;Sverdlovsk
Kazan|RU|
Nizhny Novgorod|RU|Nizhniy Novgorod;Gorky
Samara|RU|Kuibyshev;Kuybyshev
Rostov-on-Don|RU|Rostov;Rostov-na-Donu
Volgograd|RU|Stalingrad;Tsaritsyn
Krasnodar|RU|
Sochi|RU|
Vladivostok|RU|
Murmansk|RU|
Arkhangelsk|RU|Archangel
Kaliningrad|RU|Koenigsberg;Königsberg
Belgorod|RU|
Kursk|RU|
Bryansk|RU|
Voronezh|RU|
Pskov|RU|
Smolensk|RU|
Grozny|RU|Groznyy;Grozniy
Makhachkala|RU|
Ufa|RU|
Perm|RU|
Chelyabinsk|RU|
Omsk|RU|
Krasnoyarsk|RU|
Irkutsk|RU|
Khabarovsk|RU|
Tver|RU|Kalinin
Tula|RU|
Yaroslavl|RU|
Novorossiysk|RU|Novorossiisk
Brest|BY|Brest-Litovsk
Gomel|BY|Homel;Homiel
Grodno|BY|Hrodna
Vitebsk|BY|Viciebsk
Mogilev|BY|Mahilyow;Mogilyov
Almaty|KZ|Alma-Ata;Alma Ata;Alma-Aty;Verny
Shymkent|KZ|Chimkent
Karaganda|KZ|Qaraghandy;Karagandy
Aktobe|KZ|Aktyubinsk
Aktau|KZ|
Atyrau|KZ|Guryev
Semey|KZ|Semipalatinsk
Oskemen|KZ|Ust-Kamenogorsk
Pavlodar|KZ|
Kostanay|KZ|Kustanai;Qostanay
Taraz|KZ|Zhambyl;Dzhambul
Baikonur|KZ|Baykonur
Kyzylorda|KZ|Qyzylorda
Samarkand|UZ|Samarqand
Bukhara|UZ|Bukhoro
Andijan|UZ|Andizhan
Namangan|UZ|
Fergana|UZ|Ferghana
Osh|KG|
Khujand|TJ|Khodzhent;Leninabad
Batumi|GE|Batum
Kutaisi|GE|
Gyumri|AM|Leninakan
Ganja|AZ|Gyandzha;Kirovabad
Sumgait|AZ|Sumqayit
Stepanakert|AZ|Khankendi;Xankəndi
Shusha|AZ|Shushi
Sukhumi|GE|Sukhum
Tskhinvali|GE|
Tiraspol|MD|
Balti|MD|Bălți
Comrat|MD|
Munich|DE|München
Hamburg|DE|
Frankfurt|DE|Frankfurt am Main
Cologne|DE|Köln
Milan|IT|Milano
Naples|IT|Napoli
Barcelona|ES|
Marseille|FR|Marseilles
Lyon|FR|Lyons
Geneva|CH|Genève;Geneve
Zurich|CH|Zürich
Davos|CH|
Strasbourg|FR|Strassburg
Krakow|PL|Cracow;Kraków
Gdansk|PL|Danzig;Gdańsk
Rzeszow|PL|Rzeszów
Istanbul|TR|Constantinople;Stambul
Izmir|TR|Smyrna
Thessaloniki|GR|Salonika
Tel Aviv|IL|Tel Aviv-Yafo
Aleppo|SY|Halab
Homs|SY|
Idlib|SY|
Mosul|IQ|
Basra|IQ|Basrah
Gaza City|PS|
Dubai|AE|
Mecca|SA|Makkah
Jeddah|SA|Jidda
Isfahan|IR|Esfahan
Kandahar|AF|
Shanghai|CN|
Guangzhou|CN|Canton
Shenzhen|CN|
Wuhan|CN|
Chongqing|CN|Chungking
Mumbai|IN|Bombay
Kolkata|IN|Calcutta
Chennai|IN|Madras
Bengaluru|IN|Bangalore
Karachi|PK|
Lahore|PK|
Osaka|JP|
Hiroshima|JP|
Busan|KR|Pusan
Ho Chi Minh City|VN|Saigon
Yangon|MM|Rangoon
New York|US|New York City;NYC
Los Angeles|US|
Chicago|US|
San Francisco|US|
Houston|US|
Miami|US|
Toronto|CA|
Montreal|CA|Montréal
Sao Paulo|BR|São Paulo
Rio de Janeiro|BR|Rio
Lagos|NG|
Johannesburg|ZA|
Alexandria|EG|
Casablanca|MA|
Benghazi|LY|
"""

SEATS = """
Kremlin|RU|FAC|the Kremlin;Moscow Kremlin
White House|US|FAC|the White House
Downing Street|GB|FAC|Number 10;No. 10;10 Downing Street
Whitehall|GB|FAC|
Élysée Palace|FR|FAC|Elysee Palace;Élysée;Elysee;the Elysee;the Élysée
Bankova|UA|FAC|Bankova Street
Zhongnanhai|CN|FAC|
Ak Orda|KZ|FAC|Akorda
"""

# Never added from the gazetteer alone (common first names, words, or several referents);
# they still retype an NER span with exactly that text.
AMBIGUOUS = [
    "Chad", "Jordan", "Georgia", "Guinea", "Niger", "Victoria", "Kingston", "Lima", "Santiago",
    "Turkey", "Pole", "Poles", "Turk", "Turks", "Kiwi", "Kiwis", "Lett", "Letts", "Brit", "Brits",
    "Dane", "Danes", "Finn", "Finns", "Scot", "Scots", "Rio", "Perm", "Tula", "Ufa", "Osh", "Far East",
    "the Gulf", "Gaza", "Golan", "Ural", "Alania", "Korea", "Korean", "Koreans", "America", "Congo",
    "Congolese", "Macedonia", "Dominica", "Dominican", "Holland", "Mali", "Samoa", "Malé",
    "Caspian", "Mediterranean", "Sumy", "Brest", "Rostov", "Vatican", "Stanislav", "Kalinin",
    "Gorky", "Kazan", "Samara", "Bucha", "Kerch", "Yalta", "Comrat", "Balti", "Ganja", "Rovno",
    "Georgian", "Georgians", "Jordanian", "Ulster", "Sibir", "New Russia", "Emirates", "Artsakh",
    "Number 10", "No. 10", "Whitehall", "Canton", "Madras", "Salonika", "Smyrna", "Kurd", "Kurds",
    "Kurdish", "Tatar", "Tatars", "Ingush", "Bashkir", "Bashkirs", "English", "Welsh", "Catalan",
    "Catalans", "Scottish", "Englishman", "Englishmen", "Balkan", "Baltic", "Chechen", "Chechens",
    "Delhi", "Soviet", "Soviets", "European", "Europeans", "Asian", "Asians", "African", "Africans",
    "Eurasian", "Crimean", "Crimeans", "Siberian", "Siberians", "Uyghur", "Uyghurs", "Uighur",
    "Uighurs", "Tibetan", "Tibetans", "Kashmiri", "Kashmiris", "Gazan", "Gazans", "Sahrawi",
    "Sahrawis", "Palestinian", "Palestinians", "Abkhaz", "Gagauz", "Karakalpak", "Karakalpaks",
    "Lao", "Thai", "Thais", "Khmer", "Malagasy", "Swazi", "Swazis", "Basotho", "Mosotho",
    "Motswana", "Batswana", "Nigerien", "Nigeriens", "Rhodesia", "Siam", "Persia", "Burma",
    "Abyssinia", "Ceylon", "Formosa", "Zaire", "West", "Western", "Westerners",
]


# Capitals whose metonymic use names an organisation rather than their country.
METONYM_OVERRIDES = {"Brussels": "European Union"}


def _split(field: str) -> list[str]:
    return [x.strip() for x in field.split(";") if x.strip()]


def _parse_capitals(field: str) -> list[list[str]]:
    return [[v.strip() for v in cap.split("=") if v.strip()] for cap in _split(field)]


def build() -> dict:
    countries = []
    cities = []
    seen_codes: set[str] = set()
    for block, status in ((COUNTRIES, "un_member"), (OTHER_STATES, "other_state"), (HISTORICAL, "historical")):
        for line in block.strip().splitlines():
            parts = line.split("|")
            assert len(parts) == 5, line
            name, code, aliases, demonyms, capitals = (p.strip() for p in parts)
            assert len(code) == 2 and code.isupper(), line
            assert code not in seen_codes, code
            seen_codes.add(code)
            countries.append(
                {
                    "name": name,
                    "code": code,
                    "status": status,
                    "aliases": _split(aliases),
                    # "Congolese (Brazzaville)" style entries are descriptive only: keep them out.
                    "demonyms": [d for d in _split(demonyms) if "(" not in d],
                }
            )
            for cap in _parse_capitals(capitals):
                cities.append({"name": cap[0], "country": code, "aliases": cap[1:], "capital": True})
    un_members = sum(1 for c in countries if c["status"] == "un_member")
    assert un_members == 193, un_members

    regions = []
    for line in REGIONS.strip().splitlines():
        parts = line.split("|")
        assert len(parts) == 5, line
        name, typ, codes, aliases, demonyms = (p.strip() for p in parts)
        assert typ in ("GPE", "LOC"), line
        regions.append(
            {
                "name": name,
                "type": typ,
                "countries": _split(codes),
                "aliases": _split(aliases),
                "demonyms": _split(demonyms),
            }
        )
    for line in CITIES.strip().splitlines():
        parts = line.split("|")
        assert len(parts) == 3, line
        name, code, aliases = (p.strip() for p in parts)
        assert code in seen_codes or code == "EH", line
        cities.append({"name": name, "country": code, "aliases": _split(aliases), "capital": False})
    seats = []
    for line in SEATS.strip().splitlines():
        name, code, typ, aliases = (p.strip() for p in line.split("|"))
        seats.append({"name": name, "country": code, "type": typ, "aliases": _split(aliases)})
    return {
        "about": "Gazetteer for narrascope's entity analyzer; generated by _build_places.py.",
        "version": 1,
        "countries": countries,
        "regions": regions,
        "cities": cities,
        "seats": seats,
        "ambiguous": sorted(set(AMBIGUOUS)),
        "metonym_overrides": METONYM_OVERRIDES,
    }


if __name__ == "__main__":
    out = Path(__file__).resolve().parents[1] / "src" / "narrascope" / "data" / "places.json"
    data = build()
    out.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out}: {len(data['countries'])} countries, {len(data['regions'])} regions, "
          f"{len(data['cities'])} cities, {len(data['seats'])} seats")
