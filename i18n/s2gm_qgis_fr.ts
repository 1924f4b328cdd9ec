<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1">
<context>
    <name>@default</name>
    <message>
        <location filename="../s2gm_qgis/gui/about.py" line="22"/>
        <source>Home page</source>
        <translation>Page d'accueil</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/about.py" line="22"/>
        <source>Report a problem</source>
        <translation>Signaler un problème</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/about.py" line="24"/>
        <source>Version {version}</source>
        <translation>Version {version}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/about.py" line="25"/>
        <source>Cloud-free Sentinel-2 mosaics on demand, composited the way the Copernicus Sentinel-2 Global Mosaic service (S2GM) does, from your local L2A archive or from an engine service.</source>
        <translation>Des mosaïques Sentinel-2 sans nuages à la demande, composées comme le fait le service Copernicus Sentinel-2 Global Mosaic (S2GM), à partir de votre archive L2A locale ou d'un service de calcul.</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/about.py" line="30"/>
        <source>Inter-band time delays at any pixel of an L1C tile, corrected for its detector and its orbit, to turn a displacement between two bands into a velocity.</source>
        <translation>Les décalages temporels entre bandes en tout pixel d'une tuile L1C, corrigés pour son détecteur et son orbite, pour convertir un déplacement entre deux bandes en vitesse.</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/about.py" line="34"/>
        <source>Delay tables: CNES values (Binet et al., 2022) from the S2Shores project (Apache-2.0). Mosaic method: S2GM, Copernicus Sentinel-2 Global Mosaic service.</source>
        <translation>Tables de décalages : valeurs du CNES (Binet et al., 2022) issues du projet S2Shores (Apache-2.0). Méthode des mosaïques : S2GM, service Copernicus Sentinel-2 Global Mosaic.</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/about.py" line="38"/>
        <source>Free software under the GNU General Public License, version 2 or later.</source>
        <translation>Logiciel libre sous licence publique générale GNU, version 2 ou ultérieure.</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/about.py" line="52"/>
        <source>About S2GM</source>
        <translation>À propos de S2GM</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/plugin.py" line="105"/>
        <source>Settings…</source>
        <translation>Paramètres…</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/plugin.py" line="105"/>
        <source>Engine, service and folders of S2GM</source>
        <translation>Moteur, service et dossiers de S2GM</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/plugin.py" line="109"/>
        <source>About S2GM…</source>
        <translation>À propos de S2GM…</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/plugin.py" line="284"/>
        <source>The {feature} tool could not start: {error}</source>
        <translation>L'outil {feature} n'a pas pu démarrer : {error}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/preferences.py" line="126"/>
        <source>{value} is not one of {choices}</source>
        <translation>{value} n'est pas l'une des valeurs permises : {choices}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/preferences.py" line="105"/>
        <source>{value} is not an http:// or https:// address with a host name</source>
        <translation>{value} n'est pas une adresse http:// ou https:// avec un nom d'hôte</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/preferences.py" line="111"/>
        <source>a folder is required</source>
        <translation>un dossier est requis</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/preferences.py" line="113"/>
        <source>{path} exists and is not a folder</source>
        <translation>{path} existe et n'est pas un dossier</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/preferences.py" line="135"/>
        <source>not a folder: {paths}</source>
        <translation>pas un dossier existant : {paths}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="51"/>
        <source>S2GM settings</source>
        <translation>Paramètres de S2GM</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="282"/>
        <source>Mosaic engine</source>
        <translation>Moteur de mosaïque</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="87"/>
        <source>Embedded in QGIS, on my local archive</source>
        <translation>Intégré à QGIS, sur mon archive locale</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="88"/>
        <source>Engine service, over HTTP</source>
        <translation>Service de calcul, par HTTP</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="98"/>
        <source>Service address:</source>
        <translation>Adresse du service :</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="161"/>
        <source>Forget</source>
        <translation>Oublier</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="106"/>
        <source>Remove the stored token from the QGIS authentication database</source>
        <translation>Supprimer le jeton enregistré de la base d'authentification de QGIS</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="113"/>
        <source>Service token:</source>
        <translation>Jeton du service :</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="117"/>
        <source>Folders</source>
        <translation>Dossiers</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="121"/>
        <source>Folders holding Sentinel-2 L2A products (.SAFE folders or .zip files)</source>
        <translation>Dossiers contenant des produits Sentinel-2 L2A (dossiers .SAFE ou fichiers .zip)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="125"/>
        <source>Add…</source>
        <translation>Ajouter…</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="127"/>
        <source>Remove</source>
        <translation>Retirer</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="140"/>
        <source>Sentinel-2 archive:</source>
        <translation>Archive Sentinel-2 :</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="286"/>
        <source>Cache folder</source>
        <translation>Dossier de cache</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="143"/>
        <source>Cache folder:</source>
        <translation>Dossier de cache :</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="287"/>
        <source>Results folder</source>
        <translation>Dossier des résultats</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="145"/>
        <source>Results folder:</source>
        <translation>Dossier des résultats :</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="283"/>
        <source>Service address</source>
        <translation>Adresse du service</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="284"/>
        <source>Service token</source>
        <translation>Jeton du service</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="285"/>
        <source>Sentinel-2 archive</source>
        <translation>Archive Sentinel-2</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="340"/>
        <source>Add a Sentinel-2 archive folder</source>
        <translation>Ajouter un dossier d'archive Sentinel-2</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/provider.py" line="44"/>
        <source>S2GM: Sentinel-2 mosaics and inter-band delays</source>
        <translation>S2GM : mosaïques Sentinel-2 et décalages entre bandes</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="297"/>
        <source>{field}: {reason}</source>
        <translation>{field} : {reason}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/product_info.py" line="78"/>
        <source>Read Sentinel-2 product metadata</source>
        <translation>Lire les métadonnées d'un produit Sentinel-2</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/algorithm.py" line="12"/>
        <source>Sentinel-2 products</source>
        <translation>Produits Sentinel-2</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/product_info.py" line="81"/>
        <source>Reads a Sentinel-2 L1C or L2A product (a .SAFE folder, a .zip, or any file inside one such as MTD_MSIL1C.xml) and writes one feature per tile: product name, level, spacecraft, processing baseline, sensing start, relative orbit, cloud cover, quantification value, tile, EPSG code, tile sensing time, number of images, datastrip and, if the datastrip is missing or unusable, why. The geometry is the data footprint in WGS 84 when the metadata gives one. Nothing is written in the product.</source>
        <translation>Lit un produit Sentinel-2 L1C ou L2A (un dossier .SAFE, un .zip, ou un fichier qu'il contient comme MTD_MSIL1C.xml) et écrit une entité par tuile : nom du produit, niveau, satellite, version de traitement, début d'acquisition, orbite relative, couverture nuageuse, valeur de quantification, tuile, code EPSG, heure d'acquisition de la tuile, nombre d'images, datastrip et, si le datastrip manque ou est inutilisable, pourquoi. La géométrie est l'emprise des données en WGS 84 quand les métadonnées la donnent. Rien n'est écrit dans le produit.</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/product_info.py" line="92"/>
        <source>Sentinel-2 product (.zip, .SAFE folder or a file inside it)</source>
        <translation>Produit Sentinel-2 (.zip, dossier .SAFE ou un fichier qu'il contient)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/product_info.py" line="92"/>
        <source>Sentinel-2 products (*.zip *.xml);;All files (*)</source>
        <translation>Produits Sentinel-2 (*.zip *.xml);;Tous les fichiers (*)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/product_info.py" line="97"/>
        <source>Only this tile (e.g. 31TCJ)</source>
        <translation>Seulement cette tuile (par ex. 31TCJ)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/product_info.py" line="100"/>
        <source>Product metadata</source>
        <translation>Métadonnées du produit</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/formatting.py" line="37"/>
        <source>{detector} (all bands)</source>
        <translation>{detector} (toutes les bandes)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/formatting.py" line="40"/>
        <source>{detector} ({band}); elsewhere {differing}</source>
        <translation>{detector} ({band}) ; ailleurs {differing}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/formatting.py" line="50"/>
        <source>{x:.1f} E, {y:.1f} N ({crs}) – lon {lon:.6f}°, lat {lat:.6f}°</source>
        <translation>{x:.1f} E, {y:.1f} N ({crs}) – lon {lon:.6f}°, lat {lat:.6f}°</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/formatting.py" line="57"/>
        <source>none: delays are the table&apos;s reference values, not corrected for the orbit</source>
        <translation>aucune : les décalages sont les valeurs de référence de la table, non corrigées pour l'orbite</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/delays_at_points.py" line="94"/>
        <source>nearest the tile centre</source>
        <translation>la plus proche du centre de la tuile</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/delays_at_points.py" line="94"/>
        <source>nearest the point</source>
        <translation>la plus proche du point</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/formatting.py" line="60"/>
        <source>H_sat {h:.1f} m, V_ground {v:.2f} m/s – sample {index} ({where}), UTC {utc}</source>
        <translation>H_sat {h:.1f} m, V_sol {v:.2f} m/s – échantillon {index} ({where}), UTC {utc}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/formatting.py" line="70"/>
        <source>Outside every detector footprint of {band}: no delays here.</source>
        <translation>Hors de toute empreinte de détecteur de {band} : pas de décalages ici.</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/formatting.py" line="114"/>
        <source>S2GM {tile}: {message}</source>
        <translation>S2GM {tile} : {message}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/formatting.py" line="118"/>
        <source>S2GM {tile} detector {detector}: {delays}</source>
        <translation>S2GM {tile} détecteur {detector} : {delays}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/formatting.py" line="132"/>
        <source>{ms:.2f} m/s ({kmh:.1f} km/h, {kn:.1f} kn)</source>
        <translation>{ms:.2f} m/s ({kmh:.1f} km/h, {kn:.1f} nœuds)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/formatting.py" line="134"/>
        <source>{deg:.1f}° from true north</source>
        <translation>{deg:.1f}° depuis le nord géographique</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/formatting.py" line="135"/>
        <source>± {u:.2f} m/s</source>
        <translation>± {u:.2f} m/s</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/formatting.py" line="136"/>
        <source>{d:.1f} m in {dt:+.5f} s ({a} → {b}, detector {det})</source>
        <translation>{d:.1f} m en {dt:+.5f} s ({a} → {b}, détecteur {det})</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/formatting.py" line="152"/>
        <source>source</source>
        <translation>source</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/layers.py" line="65"/>
        <source>no detector footprints of {band} in this product</source>
        <translation>pas d'empreintes de détecteurs de {band} dans ce produit</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/layers.py" line="68"/>
        <source>Detectors {band} – {tile}</source>
        <translation>Détecteurs {band} – {tile}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/layers.py" line="101"/>
        <source>Detector {n}</source>
        <translation>Détecteur {n}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/layers.py" line="132"/>
        <source>{product} – true colour</source>
        <translation>{product} – couleurs naturelles</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/layers.py" line="125"/>
        <source>GDAL cannot read this image</source>
        <translation>GDAL ne peut pas lire cette image</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/layers.py" line="152"/>
        <source>no TCI image and no {bands} image to show</source>
        <translation>pas d'image TCI ni d'image {bands} à afficher</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/layers.py" line="195"/>
        <source>GDAL cannot stack B04, B03, B02: {error}</source>
        <translation>GDAL ne peut pas empiler B04, B03, B02 : {error}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/pins.py" line="106"/>
        <source>{path}: expected a .csv or .geojson file name</source>
        <translation>{path} : un nom de fichier .csv ou .geojson est attendu</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/pins.py" line="129"/>
        <source>Pin</source>
        <translation>Épingle</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/pins.py" line="129"/>
        <source>Tile</source>
        <translation>Tuile</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/pins.py" line="129"/>
        <source>Detector</source>
        <translation>Détecteur</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/pins.py" line="130"/>
        <source>Δt {src}→{dst} (s)</source>
        <translation>Δt {src}→{dst} (s)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/pins.py" line="131"/>
        <source>Longitude</source>
        <translation>Longitude</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/pins.py" line="131"/>
        <source>Latitude</source>
        <translation>Latitude</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/task.py" line="56"/>
        <source>Opening Sentinel-2 product {name}</source>
        <translation>Ouverture du produit Sentinel-2 {name}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/task.py" line="44"/>
        <source>unexpected error while reading {path}: {error}</source>
        <translation>erreur inattendue en lisant {path} : {error}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/aoi.py" line="65"/>
        <source>the geometry has no valid coordinate reference system</source>
        <translation>la géométrie n'a pas de système de coordonnées valide</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/aoi.py" line="77"/>
        <source>cannot reproject the geometry from {crs} to WGS 84: {error}</source>
        <translation>impossible de reprojeter la géométrie de {crs} en WGS 84 : {error}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/aoi.py" line="87"/>
        <source>{source}: the geometry is empty</source>
        <translation>{source} : la géométrie est vide</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/aoi.py" line="89"/>
        <source>{source}: an area of interest must be a polygon, not a {kind}</source>
        <translation>{source} : une zone d'intérêt doit être un polygone, pas {kind}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/aoi.py" line="96"/>
        <source>{source}: {reason}</source>
        <translation>{source} : {reason}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/aoi.py" line="105"/>
        <source>{source}: the rectangle has no area</source>
        <translation>{source} : le rectangle n'a pas de surface</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/aoi.py" line="111"/>
        <source>map canvas extent</source>
        <translation>emprise de la carte</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/aoi.py" line="117"/>
        <source>no valid layer chosen</source>
        <translation>aucune couche valide choisie</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/aoi.py" line="118"/>
        <source>extent of layer {name}</source>
        <translation>emprise de la couche {name}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/aoi.py" line="125"/>
        <source>choose a vector layer with selected polygons</source>
        <translation>choisissez une couche vecteur avec des polygones sélectionnés</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/aoi.py" line="126"/>
        <source>selected features of layer {name}</source>
        <translation>entités sélectionnées de la couche {name}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/aoi.py" line="128"/>
        <source>{source}: the layer holds {kind}s; an area of interest needs polygons</source>
        <translation>{source} : la couche contient des {kind} ; une zone d'intérêt demande des polygones</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/aoi.py" line="134"/>
        <source>{source}: no feature is selected</source>
        <translation>{source} : aucune entité n'est sélectionnée</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/aoi.py" line="157"/>
        <source>the text is not WKT (expected POLYGON ((x y, ...)) or MULTIPOLYGON)</source>
        <translation>le texte n'est pas du WKT (attendu POLYGON ((x y, ...)) ou MULTIPOLYGON)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/aoi.py" line="158"/>
        <source>pasted WKT</source>
        <translation>WKT collé</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="101"/>
        <source>Sent to the engine service as &apos;Authorization: Bearer&apos;; kept in the QGIS authentication database, not in the settings file</source>
        <translation>Envoyé au service de calcul comme « Authorization: Bearer » ; conservé dans la base d'authentification de QGIS, pas dans le fichier des paramètres</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="328"/>
        <source>stored; type a new one to replace it</source>
        <translation>enregistré ; saisir un autre pour le remplacer</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="330"/>
        <source>none</source>
        <translation>aucun</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/dock.py" line="78"/>
        <source>Open L1C product…</source>
        <translation>Ouvrir un produit L1C…</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/__init__.py" line="22"/>
        <source>Open a Sentinel-2 L1C product (.zip, .SAFE) for delay inspection</source>
        <translation>Ouvrir un produit Sentinel-2 L1C (.zip, .SAFE) pour examiner les décalages</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/__init__.py" line="26"/>
        <source>Delay inspector</source>
        <translation>Inspecteur de décalages</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/__init__.py" line="26"/>
        <source>Read the detector and the inter-band delays under the mouse; click to pin</source>
        <translation>Lire le détecteur et les décalages entre bandes sous la souris ; cliquer pour épingler</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/__init__.py" line="30"/>
        <source>Velocity probe</source>
        <translation>Sonde de vitesse</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/__init__.py" line="30"/>
        <source>Click an object in band A&apos;s image, then in band B&apos;s: speed and heading</source>
        <translation>Cliquer un objet dans l'image de la bande A, puis dans celle de la bande B : vitesse et cap</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/__init__.py" line="34"/>
        <source>Detector footprints</source>
        <translation>Empreintes des détecteurs</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/__init__.py" line="34"/>
        <source>Add the detector footprints of the band chosen in the Delay dock</source>
        <translation>Ajouter les empreintes des détecteurs de la bande choisie dans le panneau des décalages</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/dock.py" line="45"/>
        <source>Sentinel-2 inter-band delays</source>
        <translation>Décalages entre bandes Sentinel-2</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/dock.py" line="61"/>
        <source>Readout</source>
        <translation>Lecture</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/dock.py" line="62"/>
        <source>Pins</source>
        <translation>Épingles</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/dock.py" line="251"/>
        <source>Velocity</source>
        <translation>Vitesse</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/dock.py" line="67"/>
        <source>Pick the delay tool and move the mouse over an L1C product.</source>
        <translation>Choisissez l'outil des décalages et déplacez la souris sur un produit L1C.</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/dock.py" line="82"/>
        <source>Footprints of</source>
        <translation>Empreintes de</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/dock.py" line="87"/>
        <source>Show</source>
        <translation>Afficher</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/dock.py" line="88"/>
        <source>Add the detector footprints of this band to the map</source>
        <translation>Ajouter à la carte les empreintes des détecteurs de cette bande</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/dock.py" line="96"/>
        <source>From band</source>
        <translation>Depuis la bande</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/dock.py" line="98"/>
        <source>Source band: delays are t(other band) − t(source band)</source>
        <translation>Bande source : les décalages valent t(autre bande) − t(bande source)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/dock.py" line="103"/>
        <source>Bands</source>
        <translation>Bandes</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/dock.py" line="104"/>
        <source>Bands listed in the table</source>
        <translation>Bandes listées dans le tableau</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/dock.py" line="116"/>
        <source>Ephemeris</source>
        <translation>Éphémérides</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/dock.py" line="120"/>
        <source>Ephemeris sample whose nadir is nearest the tile centre (Binet et al. 2022) or nearest the point</source>
        <translation>Échantillon d'éphémérides dont le nadir est le plus proche du centre de la tuile (Binet et al. 2022) ou du point</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/mosaic.py" line="147"/>
        <source>Product</source>
        <translation>Produit</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/dock.py" line="151"/>
        <source>Satellite, tile</source>
        <translation>Satellite, tuile</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/dock.py" line="152"/>
        <source>Point</source>
        <translation>Point</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/dock.py" line="154"/>
        <source>Orbit</source>
        <translation>Orbite</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/dock.py" line="164"/>
        <source>Band</source>
        <translation>Bande</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/dock.py" line="164"/>
        <source>Δt (s)</source>
        <translation>Δt (s)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/dock.py" line="164"/>
        <source>LUT (s)</source>
        <translation>Table (s)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/dock.py" line="164"/>
        <source>ESA (s)</source>
        <translation>ESA (s)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/dock.py" line="164"/>
        <source>Correction (%)</source>
        <translation>Correction (%)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/dock.py" line="164"/>
        <source>Sensed (UTC)</source>
        <translation>Acquis (UTC)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/dock.py" line="168"/>
        <source>t(band) − t(source band), corrected for the detector and the orbit</source>
        <translation>t(bande) − t(bande source), corrigé pour le détecteur et l'orbite</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/dock.py" line="170"/>
        <source>CNES reference value of the detector (Binet et al. 2022)</source>
        <translation>Valeur de référence du CNES pour le détecteur (Binet et al. 2022)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/dock.py" line="172"/>
        <source>ESA handbook value</source>
        <translation>Valeur du manuel de l'ESA</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/dock.py" line="194"/>
        <source>Copy readout</source>
        <translation>Copier la lecture</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/dock.py" line="205"/>
        <source>Click on the map with the delay tool to pin a readout.</source>
        <translation>Cliquez sur la carte avec l'outil des décalages pour épingler une lecture.</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/dock.py" line="215"/>
        <source>Copy</source>
        <translation>Copier</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/dock.py" line="216"/>
        <source>Copy the pins to the clipboard (tab-separated)</source>
        <translation>Copier les épingles dans le presse-papiers (séparées par des tabulations)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/dock.py" line="218"/>
        <source>Export…</source>
        <translation>Exporter…</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/dock.py" line="219"/>
        <source>Save the pins as CSV or GeoJSON</source>
        <translation>Enregistrer les épingles en CSV ou GeoJSON</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="203"/>
        <source>Clear</source>
        <translation>Effacer</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/dock.py" line="236"/>
        <source>Band A</source>
        <translation>Bande A</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/dock.py" line="239"/>
        <source>Band B</source>
        <translation>Bande B</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/dock.py" line="257"/>
        <source>Speed</source>
        <translation>Vitesse</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/dock.py" line="258"/>
        <source>Heading</source>
        <translation>Cap</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/dock.py" line="259"/>
        <source>Uncertainty</source>
        <translation>Incertitude</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/dock.py" line="260"/>
        <source>Displacement</source>
        <translation>Déplacement</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/dock.py" line="348"/>
        <source>With the velocity probe, click the object in the {a} image, then in the {b} image.</source>
        <translation>Avec la sonde de vitesse, cliquez l'objet dans l'image {a}, puis dans l'image {b}.</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/dock.py" line="351"/>
        <source>Now click the same object in the {b} image.</source>
        <translation>Cliquez maintenant le même objet dans l'image {b}.</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/feature.py" line="183"/>
        <source>Opening the product… {percent:.0f} %</source>
        <translation>Ouverture du produit… {percent:.0f} %</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/feature.py" line="185"/>
        <source>This product cannot be read: {error}</source>
        <translation>Ce produit est illisible : {error}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/feature.py" line="186"/>
        <source>Not over a Sentinel-2 L1C product.</source>
        <translation>Hors de tout produit Sentinel-2 L1C.</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/feature.py" line="241"/>
        <source>Pin {n}</source>
        <translation>Épingle {n}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/feature.py" line="265"/>
        <source>No pins to export: click on the map with the delay tool to pin readouts.</source>
        <translation>Aucune épingle à exporter : cliquez sur la carte avec l'outil des décalages pour épingler des lectures.</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/feature.py" line="268"/>
        <source>Export pins</source>
        <translation>Exporter les épingles</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/feature.py" line="268"/>
        <source>CSV (*.csv);;GeoJSON (*.geojson)</source>
        <translation>CSV (*.csv);;GeoJSON (*.geojson)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/feature.py" line="281"/>
        <source>Pins not exported: {error}</source>
        <translation>Épingles non exportées : {error}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/feature.py" line="285"/>
        <source>{n} pins exported to {path}</source>
        <translation>{n} épingles exportées dans {path}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/feature.py" line="314"/>
        <source>the first point is outside every detector footprint of {band}</source>
        <translation>le premier point est hors de toute empreinte de détecteur de {band}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/feature.py" line="319"/>
        <source>No velocity: {error}</source>
        <translation>Pas de vitesse : {error}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/feature.py" line="322"/>
        <source>S2GM velocity: {speed}, heading {heading}</source>
        <translation>Vitesse S2GM : {speed}, cap {heading}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/feature.py" line="332"/>
        <source>Open a Sentinel-2 L1C product</source>
        <translation>Ouvrir un produit Sentinel-2 L1C</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/feature.py" line="332"/>
        <source>Sentinel-2 L1C products (*.zip MTD_MSIL1C.xml *MTD_SAFL1C*.xml);;All files (*)</source>
        <translation>Produits Sentinel-2 L1C (*.zip MTD_MSIL1C.xml *MTD_SAFL1C*.xml);;Tous les fichiers (*)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/feature.py" line="349"/>
        <source>{name} is not a Level-1C product: the delay inspector needs L1C (detector footprints and datastrip)</source>
        <translation>{name} n'est pas un produit de niveau 1C : l'inspecteur de décalages demande du L1C (empreintes des détecteurs et datastrip)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/feature.py" line="385"/>
        <source>Cannot open {path}: {reason}</source>
        <translation>Impossible d'ouvrir {path} : {reason}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/feature.py" line="370"/>
        <source>{product}: no true-colour layer ({error})</source>
        <translation>{product} : pas de couche en couleurs naturelles ({error})</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/feature.py" line="409"/>
        <source>Open an L1C product first (or hover over one with the delay tool).</source>
        <translation>Ouvrez d'abord un produit L1C (ou survolez-en un avec l'outil des décalages).</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/feature.py" line="427"/>
        <source>No detector footprints: {error}</source>
        <translation>Pas d'empreintes de détecteurs : {error}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/__init__.py" line="23"/>
        <source>Mosaics…</source>
        <translation>Mosaïques…</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/__init__.py" line="23"/>
        <source>Order cloud-free Sentinel-2 mosaics of an area</source>
        <translation>Commander des mosaïques Sentinel-2 sans nuages d'une zone</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="58"/>
        <source>Order name</source>
        <translation>Nom de la commande</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="185"/>
        <source>Area of interest</source>
        <translation>Zone d'intérêt</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/mosaic.py" line="122"/>
        <source>Period</source>
        <translation>Période</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="59"/>
        <source>Starting</source>
        <translation>Début</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="59"/>
        <source>Resolution</source>
        <translation>Résolution</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="59"/>
        <source>CRS</source>
        <translation>SCR</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/mosaic.py" line="138"/>
        <source>Layers</source>
        <translation>Couches</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/mosaic.py" line="133"/>
        <source>Format</source>
        <translation>Format</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/mosaic.py" line="135"/>
        <source>Bit depth</source>
        <translation>Profondeur</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/orders_model.py" line="64"/>
        <source>Order</source>
        <translation>Commande</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="87"/>
        <source>Area of interest from WKT</source>
        <translation>Zone d'intérêt en WKT</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="94"/>
        <source>Coordinates are in:</source>
        <translation>Les coordonnées sont en :</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="133"/>
        <source>S2GM mosaics</source>
        <translation>Mosaïques S2GM</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/feature.py" line="82"/>
        <source>drawn rectangle</source>
        <translation>rectangle dessiné</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/feature.py" line="83"/>
        <source>drawn polygon</source>
        <translation>polygone dessiné</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="145"/>
        <source>Options</source>
        <translation>Options</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="152"/>
        <source>Engine:</source>
        <translation>Moteur :</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="155"/>
        <source>Embedded (QGIS task)</source>
        <translation>Intégré (tâche QGIS)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="156"/>
        <source>Service (HTTP)</source>
        <translation>Service (HTTP)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="162"/>
        <source>Archive folders, results folder, service address and token</source>
        <translation>Dossiers d'archive, dossier des résultats, adresse et jeton du service</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="172"/>
        <source>Place order</source>
        <translation>Commander</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="195"/>
        <source>Rectangle</source>
        <translation>Rectangle</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="195"/>
        <source>Drag a rectangle on the map</source>
        <translation>Tracez un rectangle sur la carte</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="197"/>
        <source>Polygon</source>
        <translation>Polygone</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="197"/>
        <source>Click the corners on the map; right click or double click closes the polygon</source>
        <translation>Cliquez les sommets sur la carte ; un clic droit ou un double clic ferme le polygone</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="200"/>
        <source>Edit</source>
        <translation>Modifier</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="200"/>
        <source>Drag the corners of the AOI (until it is ordered)</source>
        <translation>Déplacez les sommets de la zone (jusqu'à sa commande)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="203"/>
        <source>Remove the area of interest</source>
        <translation>Retirer la zone d'intérêt</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="208"/>
        <source>Map extent</source>
        <translation>Emprise de la carte</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="208"/>
        <source>The extent shown in the map</source>
        <translation>L'emprise affichée dans la carte</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="210"/>
        <source>File…</source>
        <translation>Fichier…</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="210"/>
        <source>GeoJSON, KML, GeoPackage, shapefile...</source>
        <translation>GeoJSON, KML, GeoPackage, shapefile...</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="212"/>
        <source>WKT…</source>
        <translation>WKT…</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="212"/>
        <source>Paste a POLYGON or MULTIPOLYGON</source>
        <translation>Collez un POLYGON ou un MULTIPOLYGON</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="221"/>
        <source>Layer extent</source>
        <translation>Emprise de couche</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="221"/>
        <source>The extent of the chosen layer</source>
        <translation>L'emprise de la couche choisie</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="224"/>
        <source>Selected</source>
        <translation>Sélection</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="224"/>
        <source>The selected polygons of the chosen layer</source>
        <translation>Les polygones sélectionnés de la couche choisie</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="351"/>
        <source>No area of interest</source>
        <translation>Pas de zone d'intérêt</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="295"/>
        <source>Orders</source>
        <translation>Commandes</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/feature.py" line="470"/>
        <source>Cancel</source>
        <translation>Annuler</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/feature.py" line="477"/>
        <source>Retry</source>
        <translation>Relancer</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="314"/>
        <source>Zoom to AOI</source>
        <translation>Zoomer sur la zone</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/feature.py" line="517"/>
        <source>Open folder</source>
        <translation>Ouvrir le dossier</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/feature.py" line="553"/>
        <source>Load result</source>
        <translation>Charger le résultat</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/feature.py" line="487"/>
        <source>Delete</source>
        <translation>Supprimer</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="420"/>
        <source>Orders go to the engine service at {url}.</source>
        <translation>Les commandes vont au service de calcul {url}.</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="427"/>
        <source>none: add one in the settings</source>
        <translation>aucune : ajoutez-en une dans les paramètres</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="428"/>
        <source>Orders run in QGIS on the archive: {folders}. Results: {results}.</source>
        <translation>Les commandes sont calculées dans QGIS sur l'archive : {folders}. Résultats : {results}.</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/feature.py" line="156"/>
        <source>The mosaic engine cannot start: {error}</source>
        <translation>Le moteur de mosaïque ne peut pas démarrer : {error}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/feature.py" line="294"/>
        <source>Nothing to edit: draw or choose a new area of interest</source>
        <translation>Rien à modifier : dessinez ou choisissez une nouvelle zone d'intérêt</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="353"/>
        <source>{area} km² ({source})</source>
        <translation>{area} km² ({source})</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="358"/>
        <source>{area} km² (drawing)</source>
        <translation>{area} km² (en cours de tracé)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/feature.py" line="343"/>
        <source>The geometry was invalid (e.g. self-intersecting) and was repaired</source>
        <translation>La géométrie était invalide (par exemple auto-intersectée) et a été réparée</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="332"/>
        <source>Area of interest from a file</source>
        <translation>Zone d'intérêt depuis un fichier</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="332"/>
        <source>Vector files (*.geojson *.json *.kml *.gpkg *.shp *.gml);;All files (*)</source>
        <translation>Fichiers vecteur (*.geojson *.json *.kml *.gpkg *.shp *.gml);;Tous les fichiers (*)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/feature.py" line="373"/>
        <source>draw or choose an area of interest first</source>
        <translation>dessinez ou choisissez d'abord une zone d'intérêt</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/feature.py" line="392"/>
        <source>The mosaic engine is not running: check the S2GM settings</source>
        <translation>Le moteur de mosaïque ne tourne pas : vérifiez les paramètres de S2GM</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/feature.py" line="417"/>
        <source>Mosaic order {name} placed</source>
        <translation>Commande de mosaïque {name} passée</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="456"/>
        <source>Large area of interest</source>
        <translation>Grande zone d'intérêt</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="456"/>
        <source>The area of interest covers {area} km², more than {limit} km². The mosaic may take long and need much disk space. Place the order anyway?</source>
        <translation>La zone d'intérêt couvre {area} km², plus que {limit} km². La mosaïque peut être longue à calculer et occuper beaucoup de place sur le disque. Commander quand même ?</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/feature.py" line="451"/>
        <source>Mosaic {name} is partially finished: {reason}</source>
        <translation>La mosaïque {name} est partiellement terminée : {reason}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/feature.py" line="454"/>
        <source>Mosaic {name} failed: {reason}</source>
        <translation>La mosaïque {name} a échoué : {reason}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/feature.py" line="463"/>
        <source>{action}: {error}</source>
        <translation>{action} : {error}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="466"/>
        <source>Delete order</source>
        <translation>Supprimer la commande</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="466"/>
        <source>Delete order {name} and its result files?</source>
        <translation>Supprimer la commande {name} et ses fichiers de résultat ?</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/feature.py" line="543"/>
        <source>Mosaic {name} cannot be loaded: {error}</source>
        <translation>La mosaïque {name} ne peut pas être chargée : {error}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/feature.py" line="536"/>
        <source>Mosaic {name} loaded</source>
        <translation>Mosaïque {name} chargée</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/engines.py" line="251"/>
        <source>S2GM mosaic {name}</source>
        <translation>Mosaïque S2GM {name}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/engines.py" line="352"/>
        <source>no Sentinel-2 archive folder is set: add one in the S2GM settings</source>
        <translation>aucun dossier d'archive Sentinel-2 n'est défini : ajoutez-en un dans les paramètres de S2GM</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/engines.py" line="379"/>
        <source>{folder}: the results folder is gone</source>
        <translation>{folder} : le dossier des résultats a disparu</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/engines.py" line="394"/>
        <source>order {id} could not run: {error}</source>
        <translation>la commande {id} n'a pas pu être calculée : {error}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/engines.py" line="408"/>
        <source>Downloading S2GM mosaic {name}</source>
        <translation>Téléchargement de la mosaïque S2GM {name}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/remote.py" line="48"/>
        <source>QGIS reaches {url} through a SOCKS5 proxy, which the plugin cannot use: set an HTTP proxy, or exclude this address from the proxy, in the QGIS network settings</source>
        <translation>QGIS atteint {url} par un proxy SOCKS5, que l'extension ne sait pas utiliser : choisissez un proxy HTTP, ou excluez cette adresse du proxy, dans les paramètres réseau de QGIS</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/results.py" line="466"/>
        <source>Loading S2GM mosaic {name}</source>
        <translation>Chargement de la mosaïque S2GM {name}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/engines.py" line="475"/>
        <source>engine service: {error}</source>
        <translation>service de calcul : {error}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/engines.py" line="509"/>
        <source>download cancelled</source>
        <translation>téléchargement annulé</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/results.py" line="360"/>
        <source>True colour (B04, B03, B02)</source>
        <translation>Couleurs naturelles (B04, B03, B02)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/labels.py" line="15"/>
        <source>True colour with scene classes and validation layers</source>
        <translation>Couleurs naturelles avec classes de scène et couches de validation</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/labels.py" line="16"/>
        <source>10 m bands (B02, B03, B04, B08)</source>
        <translation>Bandes à 10 m (B02, B03, B04, B08)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/labels.py" line="17"/>
        <source>All bands with quality and validation layers</source>
        <translation>Toutes les bandes avec couches de qualité et de validation</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/labels.py" line="18"/>
        <source>Every layer</source>
        <translation>Toutes les couches</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/labels.py" line="19"/>
        <source>Custom selection</source>
        <translation>Sélection personnalisée</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/labels.py" line="40"/>
        <source>Day</source>
        <translation>Jour</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/labels.py" line="40"/>
        <source>10 days (dekad)</source>
        <translation>10 jours (décade)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/labels.py" line="40"/>
        <source>Month</source>
        <translation>Mois</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/labels.py" line="41"/>
        <source>Quarter</source>
        <translation>Trimestre</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/labels.py" line="41"/>
        <source>Year</source>
        <translation>Année</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/labels.py" line="47"/>
        <source>Aerosol optical thickness (AOT)</source>
        <translation>Épaisseur optique des aérosols (AOT)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/labels.py" line="48"/>
        <source>Cloud probability</source>
        <translation>Probabilité de nuage</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/labels.py" line="49"/>
        <source>Snow probability</source>
        <translation>Probabilité de neige</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/labels.py" line="50"/>
        <source>Scene classification (SCL)</source>
        <translation>Classification de scène (SCL)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/labels.py" line="51"/>
        <source>View zenith angle</source>
        <translation>Angle zénithal de visée</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/labels.py" line="52"/>
        <source>View azimuth angle</source>
        <translation>Angle azimutal de visée</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/labels.py" line="53"/>
        <source>Sun zenith angle</source>
        <translation>Angle zénithal solaire</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/labels.py" line="54"/>
        <source>Sun azimuth angle</source>
        <translation>Angle azimutal solaire</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/labels.py" line="55"/>
        <source>Source product index</source>
        <translation>Indice du produit source</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/labels.py" line="56"/>
        <source>Number of valid observations</source>
        <translation>Nombre d'observations valides</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/labels.py" line="57"/>
        <source>Medoid spread</source>
        <translation>Dispersion du médoïde</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/options.py" line="78"/>
        <source>Basic</source>
        <translation>Simple</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/options.py" line="79"/>
        <source>A month and the AOI: a true-colour quick-look at 60 m</source>
        <translation>Un mois et la zone : un aperçu en couleurs naturelles à 60 m</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/options.py" line="80"/>
        <source>Advanced</source>
        <translation>Avancé</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/options.py" line="81"/>
        <source>Every option of the mosaic engine</source>
        <translation>Toutes les options du moteur de mosaïque</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/options.py" line="95"/>
        <source>1 to 64 letters, digits or &apos;-&apos;; it names the output folder and the layer group</source>
        <translation>1 à 64 lettres, chiffres ou « - » ; il nomme le dossier de sortie et le groupe de couches</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/options.py" line="97"/>
        <source>Order name:</source>
        <translation>Nom de la commande :</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/timeseries/dock.py" line="59"/>
        <source>Period:</source>
        <translation>Période :</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/options.py" line="108"/>
        <source>Starting:</source>
        <translation>Début :</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/options.py" line="115"/>
        <source>Quick-look: true colour (B04, B03, B02) and the number of valid observations, 60 m, 8-bit GeoTIFF, UTM.</source>
        <translation>Aperçu : couleurs naturelles (B04, B03, B02) et nombre d'observations valides, 60 m, GeoTIFF 8 bits, UTM.</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/timeseries/dock.py" line="63"/>
        <source>{metres} m</source>
        <translation>{metres} m</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/options.py" line="161"/>
        <source>Resolution:</source>
        <translation>Résolution :</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/options.py" line="163"/>
        <source>UTM of the AOI (Sentinel-2 tiles)</source>
        <translation>UTM de la zone (tuiles Sentinel-2)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/options.py" line="164"/>
        <source>WGS 84 latitude/longitude (EPSG:4326)</source>
        <translation>WGS 84 latitude/longitude (EPSG:4326)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/options.py" line="165"/>
        <source>CRS:</source>
        <translation>SCR :</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/options.py" line="167"/>
        <source>GeoTIFF</source>
        <translation>GeoTIFF</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/options.py" line="167"/>
        <source>Cloud Optimized GeoTIFF</source>
        <translation>GeoTIFF optimisé pour le cloud (COG)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/options.py" line="167"/>
        <source>JPEG 2000 (lossless)</source>
        <translation>JPEG 2000 (sans perte)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/options.py" line="167"/>
        <source>NetCDF-4 (CF)</source>
        <translation>NetCDF-4 (CF)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/options.py" line="170"/>
        <source>Format:</source>
        <translation>Format :</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/options.py" line="173"/>
        <source>{bits} bit</source>
        <translation>{bits} bits</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/options.py" line="175"/>
        <source>Bit depth:</source>
        <translation>Profondeur :</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/options.py" line="180"/>
        <source>Layers:</source>
        <translation>Couches :</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/options.py" line="182"/>
        <source>Bands:</source>
        <translation>Bandes :</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/options.py" line="184"/>
        <source>Quality layers:</source>
        <translation>Couches de qualité :</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/options.py" line="191"/>
        <source>Placing an order with a larger AOI asks for confirmation</source>
        <translation>Commander une zone plus grande demande une confirmation</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/options.py" line="192"/>
        <source>Confirm AOIs above:</source>
        <translation>Confirmer les zones au-delà de :</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/options.py" line="308"/>
        <source>{first} to {last} ({days} days)</source>
        <translation>du {first} au {last} ({days} jours)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/orders_model.py" line="64"/>
        <source>Placed</source>
        <translation>Passée</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/orders_model.py" line="33"/>
        <source>Queued</source>
        <translation>En attente</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/orders_model.py" line="33"/>
        <source>Processing</source>
        <translation>En calcul</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/orders_model.py" line="34"/>
        <source>Finished</source>
        <translation>Terminée</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/orders_model.py" line="34"/>
        <source>Partially finished</source>
        <translation>Partiellement terminée</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/orders_model.py" line="35"/>
        <source>Failed</source>
        <translation>Échouée</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/orders_model.py" line="35"/>
        <source>Cancelled</source>
        <translation>Annulée</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/orders_model.py" line="44"/>
        <source>{period} {start}, {resolution} m</source>
        <translation>{period} {start}, {resolution} m</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/orders_model.py" line="64"/>
        <source>State</source>
        <translation>État</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/orders_model.py" line="64"/>
        <source>Progress</source>
        <translation>Avancement</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/results.py" line="83"/>
        <source>No data</source>
        <translation>Pas de données</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/results.py" line="83"/>
        <source>Saturated or defective</source>
        <translation>Saturé ou défectueux</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/results.py" line="83"/>
        <source>Dark area pixels</source>
        <translation>Zones sombres</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/results.py" line="84"/>
        <source>Cloud shadows</source>
        <translation>Ombres de nuages</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/results.py" line="84"/>
        <source>Vegetation</source>
        <translation>Végétation</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/results.py" line="84"/>
        <source>Not vegetated</source>
        <translation>Sol nu</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/results.py" line="84"/>
        <source>Water</source>
        <translation>Eau</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/results.py" line="85"/>
        <source>Unclassified</source>
        <translation>Non classé</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/results.py" line="85"/>
        <source>Cloud, medium probability</source>
        <translation>Nuage, probabilité moyenne</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/results.py" line="86"/>
        <source>Cloud, high probability</source>
        <translation>Nuage, probabilité forte</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/results.py" line="86"/>
        <source>Thin cirrus</source>
        <translation>Cirrus fins</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/results.py" line="86"/>
        <source>Snow or ice</source>
        <translation>Neige ou glace</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/results.py" line="281"/>
        <source>{path}: GDAL cannot build the true-colour composite</source>
        <translation>{path} : GDAL ne peut pas construire la composition en couleurs naturelles</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/results.py" line="394"/>
        <source>order {name} has no result files</source>
        <translation>la commande {name} n'a pas de fichier de résultat</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/results.py" line="402"/>
        <source>{source}: QGIS cannot open this result file</source>
        <translation>{source} : QGIS ne peut pas ouvrir ce fichier de résultat</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/results.py" line="366"/>
        <source>Reflectance bands</source>
        <translation>Bandes de réflectance</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/delays_at_points.py" line="65"/>
        <source>Detector and inter-band delays at points</source>
        <translation>Détecteur et décalages entre bandes en des points</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/algorithm.py" line="12"/>
        <source>Inter-band delays</source>
        <translation>Décalages entre bandes</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/delays_at_points.py" line="82"/>
        <source>Sentinel-2 L1C product (.zip, .SAFE folder or a file inside it)</source>
        <translation>Produit Sentinel-2 L1C (.zip, dossier .SAFE ou un fichier qu'il contient)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/point_time_series.py" line="75"/>
        <source>Points</source>
        <translation>Points</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/delays_at_points.py" line="90"/>
        <source>Source band</source>
        <translation>Bande source</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/delays_at_points.py" line="94"/>
        <source>Ephemeris sample</source>
        <translation>Échantillon d'éphémérides</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/delays_at_points.py" line="98"/>
        <source>Tile of a multi-tile product (e.g. 53HLA)</source>
        <translation>Tuile d'un produit multi-tuiles (par ex. 53HLA)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/delays_at_points.py" line="101"/>
        <source>Points with delays</source>
        <translation>Points avec décalages</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/delays_at_points.py" line="124"/>
        <source>Opening {path}</source>
        <translation>Ouverture de {path}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/delays_at_points.py" line="133"/>
        <source>{path} is a {level} product: detector footprints and delays need L1C</source>
        <translation>{path} est un produit {level} : les empreintes des détecteurs et les décalages demandent du L1C</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/delays_at_points.py" line="152"/>
        <source>the point layer already has the columns {names}: rename them first</source>
        <translation>la couche de points a déjà les colonnes {names} : renommez-les d'abord</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/delays_at_points.py" line="176"/>
        <source>no geometry</source>
        <translation>pas de géométrie</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/delays_at_points.py" line="178"/>
        <source>a multipoint of several points: give single points</source>
        <translation>un multipoint de plusieurs points : donnez des points simples</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/delays_at_points.py" line="183"/>
        <source>cannot be transformed to EPSG:{epsg} ({error})</source>
        <translation>impossible de transformer vers EPSG:{epsg} ({error})</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/delays_at_points.py" line="144"/>
        <source>outside tile {tile}</source>
        <translation>hors de la tuile {tile}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/mosaic.py" line="98"/>
        <source>Build S2GM mosaic</source>
        <translation>Construire une mosaïque S2GM</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/algorithm.py" line="13"/>
        <source>Mosaics</source>
        <translation>Mosaïques</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/mosaic.py" line="116"/>
        <source>Area of interest (polygons)</source>
        <translation>Zone d'intérêt (polygones)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/mosaic.py" line="119"/>
        <source>Area of interest as an extent (when no polygon layer is given)</source>
        <translation>Zone d'intérêt en emprise (sans couche de polygones)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/mosaic.py" line="125"/>
        <source>A day in the period (snapped to its first day)</source>
        <translation>Un jour de la période (ramené à son premier jour)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/point_time_series.py" line="85"/>
        <source>Resolution (m)</source>
        <translation>Résolution (m)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/mosaic.py" line="131"/>
        <source>Output CRS</source>
        <translation>SCR de sortie</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/mosaic.py" line="141"/>
        <source>Order name (letters, digits, &apos;-&apos;)</source>
        <translation>Nom de la commande (lettres, chiffres, « - »)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/source_parameters.py" line="72"/>
        <source>Archive folder of L2A products (default: the S2GM settings)</source>
        <translation>Dossier d'archive des produits L2A (par défaut : les paramètres de S2GM)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/mosaic.py" line="156"/>
        <source>Load the result into the project</source>
        <translation>Charger le résultat dans le projet</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/mosaic.py" line="158"/>
        <source>Output folder</source>
        <translation>Dossier de sortie</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/mosaic.py" line="160"/>
        <source>Mosaic folder</source>
        <translation>Dossier de la mosaïque</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/mosaic.py" line="161"/>
        <source>Mosaic layers</source>
        <translation>Couches de la mosaïque</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/mosaic.py" line="172"/>
        <source>The area of interest layer has no polygon</source>
        <translation>La couche de zone d'intérêt n'a pas de polygone</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/mosaic.py" line="176"/>
        <source>area of interest layer</source>
        <translation>couche de zone d'intérêt</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/mosaic.py" line="181"/>
        <source>extent</source>
        <translation>emprise</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/mosaic.py" line="184"/>
        <source>Give an area of interest: a polygon layer or an extent</source>
        <translation>Donnez une zone d'intérêt : une couche de polygones ou une emprise</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/source_parameters.py" line="84"/>
        <source>No archive folder: give one, or add one in the S2GM settings</source>
        <translation>Pas de dossier d'archive : donnez-en un, ou ajoutez-en un dans les paramètres de S2GM</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/point_time_series.py" line="139"/>
        <source>Cancelled; nothing was written</source>
        <translation>Annulé ; rien n'a été écrit</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/mosaic.py" line="246"/>
        <source>Mosaic written to {folder} in {seconds:.1f} s</source>
        <translation>Mosaïque écrite dans {folder} en {seconds:.1f} s</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/layers.py" line="155"/>
        <source>{product} – {band}</source>
        <translation>{product} – {band}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/task.py" line="86"/>
        <source>Detector footprints of {band} – {tile}</source>
        <translation>Empreintes des détecteurs de {band} – {tile}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/formatting.py" line="103"/>
        <source>Near a detector seam: {bands} see this point with another detector; their delays assume detector {detector}</source>
        <translation>Près d'une jonction de détecteurs : {bands} voient ce point avec un autre détecteur ; leurs décalages supposent le détecteur {detector}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/mosaic.py" line="150"/>
        <source>Cloud mask</source>
        <translation>Masque de nuages</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/mosaic.py" line="153"/>
        <source>Preference</source>
        <translation>Préférence</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/source_parameters.py" line="29"/>
        <source>Data source</source>
        <translation>Source des données</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="291"/>
        <source>STAC API address</source>
        <translation>Adresse de l'API STAC</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="292"/>
        <source>Collection</source>
        <translation>Collection</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="293"/>
        <source>Maximum cloud cover</source>
        <translation>Couverture nuageuse maximale</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="294"/>
        <source>Unreadable images</source>
        <translation>Images illisibles</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="242"/>
        <source>Where the Sentinel-2 L2A observations come from: your archive folders, or a STAC catalogue read over the network (only the parts of the images the mosaic needs)</source>
        <translation>D'où viennent les observations Sentinel-2 L2A : vos dossiers d'archive, ou un catalogue STAC lu par le réseau (seules les parties des images dont la mosaïque a besoin)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="246"/>
        <source>STAC API:</source>
        <translation>API STAC :</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="252"/>
        <source>Collection:</source>
        <translation>Collection :</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="258"/>
        <source>Scenes up to:</source>
        <translation>Scènes jusqu'à :</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="262"/>
        <source> % cloud</source>
        <translation> % de nuages</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="263"/>
        <source>Leave out scenes whose cloud cover (as the catalogue gives it) is higher; 100: all</source>
        <translation>Écarter les scènes dont la couverture nuageuse (selon le catalogue) est plus élevée ; 100 : toutes</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="267"/>
        <source>Skip unreadable images</source>
        <translation>Ignorer les images illisibles</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="269"/>
        <source>When an image cannot be read after retries: leave that observation out and list it in the metadata, instead of failing the order</source>
        <translation>Quand une image ne peut être lue après plusieurs essais : écarter cette observation et la citer dans les métadonnées, au lieu de faire échouer la commande</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="273"/>
        <source>Test connection</source>
        <translation>Tester la connexion</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="276"/>
        <source>Find scenes</source>
        <translation>Chercher les scènes</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="278"/>
        <source>The scenes an order of this area and period would use, before placing it</source>
        <translation>Les scènes qu'une commande de cette zone et de cette période utiliserait, avant de la passer</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/feature.py" line="239"/>
        <source>Connecting to {url}…</source>
        <translation>Connexion à {url}…</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/feature.py" line="243"/>
        <source>Connected to {title}: collection {collection} ({found})</source>
        <translation>Connecté à {title} : collection {collection} ({found})</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/feature.py" line="246"/>
        <source>; no S3 keys stored: add them in the S2GM settings</source>
        <translation> ; aucune clé S3 enregistrée : ajoutez-les dans les paramètres S2GM</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/feature.py" line="249"/>
        <source>{url} answers, but has no collection {collection}</source>
        <translation>{url} répond, mais n'a pas de collection {collection}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/feature.py" line="253"/>
        <source>S2GM: testing {url}</source>
        <translation>S2GM : test de {url}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/feature.py" line="268"/>
        <source>No archive folder is set: add one in the S2GM settings</source>
        <translation>Aucun dossier d'archive n'est défini : ajoutez-en un dans les paramètres S2GM</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/feature.py" line="274"/>
        <source>the archive folders</source>
        <translation>les dossiers d'archive</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/feature.py" line="279"/>
        <source>Searching {where} from {start} to {end}…</source>
        <translation>Recherche dans {where} du {start} au {end}…</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/feature.py" line="281"/>
        <source>S2GM: finding scenes</source>
        <translation>S2GM : recherche des scènes</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="422"/>
        <source>It reads {source}.</source>
        <translation>Il lit {source}.</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/dock.py" line="424"/>
        <source>Orders run in QGIS, reading {source}. Results: {results}.</source>
        <translation>Les commandes s'exécutent dans QGIS, en lisant {source}. Résultats : {results}.</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/labels.py" line="24"/>
        <source>Temporal mosaic (all bands, quality layers)</source>
        <translation>Mosaïque temporelle (toutes les bandes, couches de qualité)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/labels.py" line="25"/>
        <source>BrightEarth (RGB for viewing)</source>
        <translation>BrightEarth (RVB pour la visualisation)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/labels.py" line="29"/>
        <source>ESA scene classification (SCL)</source>
        <translation>Classification de scène de l'ESA (SCL)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/labels.py" line="30"/>
        <source>BrightEarth (temporal cloud, haze and shadow tests)</source>
        <translation>BrightEarth (tests temporels de nuages, de brume et d'ombres)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/labels.py" line="34"/>
        <source>Standard (medoid)</source>
        <translation>Standard (médoïde)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/labels.py" line="35"/>
        <source>Vegetation (greenest: highest NDVI)</source>
        <translation>Végétation (la plus verte : NDVI le plus élevé)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/labels.py" line="36"/>
        <source>Bare soil (lowest NDVI over land)</source>
        <translation>Sol nu (NDVI le plus bas sur les terres)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/options.py" line="140"/>
        <source>BrightEarth: RGB only, with a cloud mask of its own, made for viewing (no cloud borders, haze or seamlines)</source>
        <translation>BrightEarth : RVB seulement, avec son propre masque de nuages, faite pour la visualisation (sans bords de nuages, brume ni lignes de raccord)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/options.py" line="143"/>
        <source>Product:</source>
        <translation>Produit :</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/options.py" line="148"/>
        <source>Cloud mask:</source>
        <translation>Masque de nuages :</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/options.py" line="153"/>
        <source>Which valid observation a pixel takes: the medoid (standard), the greenest (vegetation) or the barest (soil)</source>
        <translation>L'observation valide que prend un pixel : le médoïde (standard), la plus verte (végétation) ou la plus nue (sol)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/options.py" line="156"/>
        <source>Preference:</source>
        <translation>Préférence :</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/labels.py" line="64"/>
        <source>Local archive folders</source>
        <translation>Dossiers d'archive locaux</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/labels.py" line="65"/>
        <source>Earth Search (Element 84, no login)</source>
        <translation>Earth Search (Element 84, sans connexion)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/labels.py" line="66"/>
        <source>Copernicus Data Space (S3 keys)</source>
        <translation>Copernicus Data Space (clés S3)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/labels.py" line="67"/>
        <source>Custom STAC API</source>
        <translation>API STAC personnalisée</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/remote.py" line="79"/>
        <source>No Copernicus Data Space S3 keys are stored: add them in the S2GM settings to read the images</source>
        <translation>Aucune clé S3 du Copernicus Data Space n'est enregistrée : ajoutez-les dans les paramètres S2GM pour lire les images</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/sources.py" line="36"/>
        <source>No scene found for this area and period</source>
        <translation>Aucune scène trouvée pour cette zone et cette période</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/sources.py" line="41"/>
        <source> ({cloud} % cloud)</source>
        <translation> ({cloud} % de nuages)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/sources.py" line="46"/>
        <source>{count} scene(s) found</source>
        <translation>{count} scène(s) trouvée(s)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/sources.py" line="48"/>
        <source> on tile(s) {tiles}</source>
        <translation> sur la ou les tuiles {tiles}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/sources.py" line="88"/>
        <source>the query failed</source>
        <translation>la requête a échoué</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/preferences.py" line="129"/>
        <source>{value} is not between 0 and 100</source>
        <translation>{value} n'est pas entre 0 et 100</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/preferences.py" line="132"/>
        <source>{value} is negative</source>
        <translation>{value} est négatif</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="149"/>
        <source>Remote catalogues (STAC)</source>
        <translation>Catalogues distants (STAC)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="151"/>
        <source>Earth Search needs nothing. The Copernicus Data Space serves its images from S3: create S3 keys in your CDSE account (eodata S3 access) and enter them here; they are kept in the QGIS authentication database, not in the settings file.</source>
        <translation>Earth Search ne demande rien. Le Copernicus Data Space sert ses images depuis S3 : créez des clés S3 dans votre compte CDSE (accès S3 eodata) et saisissez-les ici ; elles sont gardées dans la base d'authentification de QGIS, pas dans le fichier des paramètres.</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="162"/>
        <source>Remove the stored S3 keys from the QGIS authentication database</source>
        <translation>Retirer les clés S3 enregistrées de la base d'authentification de QGIS</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="165"/>
        <source>CDSE S3 access key:</source>
        <translation>Clé d'accès S3 du CDSE :</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="169"/>
        <source>CDSE S3 secret key:</source>
        <translation>Clé secrète S3 du CDSE :</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="175"/>
        <source>off</source>
        <translation>désactivé</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="176"/>
        <source>Keep fetched image tiles in the cache folder, up to this size, so that a second order over the same area reads them from disk</source>
        <translation>Garder les tuiles d'images téléchargées dans le dossier de cache, jusqu'à cette taille, pour qu'une deuxième commande sur la même zone les lise sur le disque</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="179"/>
        <source>Tile cache:</source>
        <translation>Cache de tuiles :</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="240"/>
        <source>give both the access key and the secret key</source>
        <translation>donnez la clé d'accès et la clé secrète</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="288"/>
        <source>CDSE S3 keys</source>
        <translation>Clés S3 du CDSE</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="289"/>
        <source>Tile cache</source>
        <translation>Cache de tuiles</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="315"/>
        <source>stored; type new keys to replace them</source>
        <translation>enregistrées ; saisissez de nouvelles clés pour les remplacer</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="317"/>
        <source>stored</source>
        <translation>enregistrée</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/mosaic.py" line="101"/>
        <source>Composites a cloud-free Sentinel-2 mosaic of an area of interest over a period the way the Copernicus Sentinel-2 Global Mosaic service does (medoid or short-term composite per pixel, with quality layers), from the L2A products of an archive folder. The area is the union of the polygons of a layer (or its selected features) or an extent. The result is an S2GM folder in the output folder; the true colour and the quality layers are loaded with their styles. Without an archive folder, the folders of the S2GM settings are used. The observations may also come from a STAC catalogue: Earth Search (no login), the Copernicus Data Space (with the S3 keys of the S2GM settings) or any STAC API address; only the parts of the images the mosaic needs are read. Product: temporal mosaic or BrightEarth (RGB for viewing); preference: standard, vegetation or bare soil.</source>
        <translation>Compose une mosaïque Sentinel-2 sans nuages d'une zone d'intérêt sur une période comme le fait le service Copernicus Sentinel-2 Global Mosaic (médoïde ou composite à court terme par pixel, avec des couches de qualité), à partir des produits L2A d'un dossier d'archive. La zone est l'union des polygones d'une couche (ou de ses entités sélectionnées) ou une emprise. Le résultat est un dossier S2GM dans le dossier de sortie ; la couleur vraie et les couches de qualité sont chargées avec leurs styles. Sans dossier d'archive, les dossiers des paramètres S2GM sont utilisés. Les observations peuvent aussi venir d'un catalogue STAC : Earth Search (sans connexion), le Copernicus Data Space (avec les clés S3 des paramètres S2GM) ou toute adresse d'API STAC ; seules les parties des images dont la mosaïque a besoin sont lues. Produit : mosaïque temporelle ou BrightEarth (RVB pour la visualisation) ; préférence : standard, végétation ou sol nu.</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/source_parameters.py" line="32"/>
        <source>STAC API address (custom STAC API)</source>
        <translation>Adresse de l'API STAC (API STAC personnalisée)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/source_parameters.py" line="34"/>
        <source>STAC collection (default: the provider&apos;s)</source>
        <translation>Collection STAC (par défaut : celle du fournisseur)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/source_parameters.py" line="36"/>
        <source>Leave out scenes above this cloud cover (%)</source>
        <translation>Écarter les scènes au-dessus de cette couverture nuageuse (%)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/mosaic.py" line="144"/>
        <source>Skip images that cannot be read (listed in the metadata)</source>
        <translation>Ignorer les images illisibles (citées dans les métadonnées)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/mosaic.py" line="220"/>
        <source>Order {name}: {period} from {start}, {area:.1f} km², from {source}</source>
        <translation>Commande {name} : {period} à partir du {start}, {area:.1f} km², depuis {source}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/timeseries/__init__.py" line="19"/>
        <source>Time series…</source>
        <translation>Séries temporelles…</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/timeseries/__init__.py" line="19"/>
        <source>Every observation of a point: reflectance, indices, and what the valid filter says</source>
        <translation>Toutes les observations d'un point : réflectance, indices, et l'avis du filtre de validité</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/timeseries/feature.py" line="180"/>
        <source>S2GM time series</source>
        <translation>Séries temporelles S2GM</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/timeseries/dock.py" line="67"/>
        <source>1 × 1 pixel</source>
        <translation>1 × 1 pixel</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/timeseries/dock.py" line="68"/>
        <source>3 × 3 pixels (mean of the valid ones)</source>
        <translation>3 × 3 pixels (moyenne des pixels valides)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/timeseries/dock.py" line="72"/>
        <source>Pixel:</source>
        <translation>Pixel :</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/timeseries/dock.py" line="85"/>
        <source>Show:</source>
        <translation>Afficher :</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/timeseries/dock.py" line="89"/>
        <source>Pick a point</source>
        <translation>Choisir un point</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/timeseries/dock.py" line="92"/>
        <source>Click the map: the series of every observation there</source>
        <translation>Cliquez sur la carte : la série de toutes les observations à cet endroit</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/timeseries/dock.py" line="94"/>
        <source>Export CSV…</source>
        <translation>Exporter en CSV…</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/timeseries/dock.py" line="96"/>
        <source>Export PNG…</source>
        <translation>Exporter en PNG…</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/timeseries/feature.py" line="155"/>
        <source>No archive folder is set: add one in the S2GM settings, or choose a STAC source in the mosaic dock</source>
        <translation>Aucun dossier d'archive n'est défini : ajoutez-en un dans les paramètres S2GM, ou choisissez une source STAC dans le panneau des mosaïques</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/timeseries/feature.py" line="176"/>
        <source>Reading the observations at {lon:.5f}°, {lat:.5f}° from {start} to {end}…</source>
        <translation>Lecture des observations en {lon:.5f}°, {lat:.5f}° du {start} au {end}…</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/timeseries/feature.py" line="179"/>
        <source>Reading…</source>
        <translation>Lecture…</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/timeseries/feature.py" line="189"/>
        <source>{n} observation(s), {valid} valid, at {lon:.5f}°, {lat:.5f}° ({res} m, {window}×{window})</source>
        <translation>{n} observation(s), {valid} valide(s), en {lon:.5f}°, {lat:.5f}° ({res} m, {window}×{window})</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/timeseries/feature.py" line="194"/>
        <source>— {layer} chose {date} ({product})</source>
        <translation>— {layer} a choisi le {date} ({product})</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/timeseries/feature.py" line="199"/>
        <source>— {n} skipped: {what}</source>
        <translation>— {n} écartée(s) : {what}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/timeseries/feature.py" line="245"/>
        <source>Export the time series</source>
        <translation>Exporter la série temporelle</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/timeseries/feature.py" line="245"/>
        <source>CSV files (*.csv)</source>
        <translation>Fichiers CSV (*.csv)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/timeseries/feature.py" line="241"/>
        <source>{path}: cannot write ({error})</source>
        <translation>{path} : écriture impossible ({error})</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/timeseries/feature.py" line="254"/>
        <source>Export the plot</source>
        <translation>Exporter le graphique</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/timeseries/feature.py" line="254"/>
        <source>PNG images (*.png)</source>
        <translation>Images PNG (*.png)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/timeseries/feature.py" line="252"/>
        <source>{path}: cannot write the image</source>
        <translation>{path} : impossible d'écrire l'image</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/timeseries/plot.py" line="35"/>
        <source>no data</source>
        <translation>pas de données</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/timeseries/plot.py" line="35"/>
        <source>view zenith too large</source>
        <translation>angle zénithal de visée trop grand</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/timeseries/plot.py" line="36"/>
        <source>scene class not valid (cloud, shadow, ...)</source>
        <translation>classe de scène non valide (nuage, ombre, ...)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/timeseries/plot.py" line="37"/>
        <source>snow (spectral test)</source>
        <translation>neige (test spectral)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/timeseries/plot.py" line="74"/>
        <source>Click the map with the time-series tool</source>
        <translation>Cliquez sur la carte avec l'outil des séries temporelles</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/timeseries/plot.py" line="149"/>
        <source>No observation at this point in the period</source>
        <translation>Aucune observation en ce point sur la période</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/timeseries/plot.py" line="163"/>
        <source>mosaic</source>
        <translation>mosaïque</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/timeseries/plot.py" line="214"/>
        <source>index</source>
        <translation>indice</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/timeseries/plot.py" line="214"/>
        <source>reflectance</source>
        <translation>réflectance</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/timeseries/plot.py" line="215"/>
        <source>sensing date (UTC); y: {unit}</source>
        <translation>date d'acquisition (UTC) ; y : {unit}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/timeseries/plot.py" line="234"/>
        <source>rejected by the valid filter</source>
        <translation>rejetée par le filtre de validité</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/timeseries/plot.py" line="272"/>
        <source>valid ({n} pixel(s))</source>
        <translation>valide ({n} pixel(s))</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/timeseries/plot.py" line="274"/>
        <source>rejected: {reason}</source>
        <translation>rejetée : {reason}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/point_time_series.py" line="58"/>
        <source>Point time series</source>
        <translation>Série temporelle en des points</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/point_time_series.py" line="77"/>
        <source>Point id field (default: the feature id)</source>
        <translation>Champ identifiant du point (par défaut : l'identifiant de l'entité)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/point_time_series.py" line="81"/>
        <source>First day</source>
        <translation>Premier jour</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/point_time_series.py" line="83"/>
        <source>Last day</source>
        <translation>Dernier jour</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/point_time_series.py" line="89"/>
        <source>Pixels</source>
        <translation>Pixels</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/point_time_series.py" line="89"/>
        <source>1 x 1</source>
        <translation>1 x 1</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/point_time_series.py" line="89"/>
        <source>3 x 3 (mean of the valid)</source>
        <translation>3 x 3 (moyenne des pixels valides)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/point_time_series.py" line="92"/>
        <source>Time series</source>
        <translation>Série temporelle</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/point_time_series.py" line="119"/>
        <source>Point {id}: not a single point, left out</source>
        <translation>Point {id} : pas un point simple, laissé de côté</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/point_time_series.py" line="126"/>
        <source>The layer has no point</source>
        <translation>La couche n'a aucun point</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/point_time_series.py" line="150"/>
        <source>Point {id}: outside every product of the period</source>
        <translation>Point {id} : hors de tous les produits de la période</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/point_time_series.py" line="158"/>
        <source>{rows} observation(s) at {points} point(s)</source>
        <translation>{rows} observation(s) en {points} point(s)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/formatting.py" line="43"/>
        <source>{summary} – candidates {detectors}</source>
        <translation>{summary} – candidats {detectors}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/formatting.py" line="91"/>
        <source>{band} sees this point with detectors {detectors} (overlapping footprints): the overlap is split at its mid-line, delays use detector {detector}</source>
        <translation>{band} voit ce point avec les détecteurs {detectors} (empreintes qui se chevauchent) : le chevauchement est partagé à sa ligne médiane, les décalages utilisent le détecteur {detector}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/formatting.py" line="97"/>
        <source>The point lies on the edge shared by detectors {detectors}: it belongs to the detector east (or south) of the edge, delays use detector {detector}</source>
        <translation>Le point est sur le bord commun aux détecteurs {detectors} : il appartient au détecteur à l'est (ou au sud) du bord, les décalages utilisent le détecteur {detector}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/point_time_series.py" line="61"/>
        <source>For every point of the layer, every Sentinel-2 L2A observation of the archive between the two dates, read on the mosaic&apos;s pixel at the chosen resolution: B01-B12 and B8A reflectance, scene class, cloud and snow probability (%), AOT, view and sun zenith (degrees), and whether the mosaic&apos;s valid filter keeps it (valid 1) or the first test that rejects it (reject_reason: no_data, view_zenith, scl_class, snow_refinement). With the 3 x 3 window, values are the mean of the window&apos;s valid pixels and n_pixels their count. One row per point and observation, in time order. Without an archive folder, the folders of the S2GM settings are used; the observations may also come from a STAC catalogue (Earth Search, the Copernicus Data Space, any STAC API address).</source>
        <translation>Pour chaque point de la couche, toutes les observations Sentinel-2 L2A de l'archive entre les deux dates, lues sur le pixel de la mosaïque à la résolution choisie : réflectances B01-B12 et B8A, classe de scène, probabilités de nuage et de neige (%), AOT, zéniths de visée et solaire (degrés), et si le filtre de validité de la mosaïque la garde (valid 1) ou le premier test qui la rejette (reject_reason : no_data, view_zenith, scl_class, snow_refinement). Avec la fenêtre 3 x 3, les valeurs sont la moyenne des pixels valides de la fenêtre et n_pixels leur nombre. Une ligne par point et par observation, dans l'ordre du temps. Sans dossier d'archive, les dossiers des paramètres de S2GM sont utilisés ; les observations peuvent aussi venir d'un catalogue STAC (Earth Search, le Copernicus Data Space, toute adresse d'API STAC).</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/orders_model.py" line="32"/>
        <source>Needs approval</source>
        <translation>En attente d'approbation</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/secrets.py" line="33"/>
        <source>the QGIS authentication system is disabled (see the QGIS log): {what} cannot be stored safely</source>
        <translation>le système d'authentification de QGIS est désactivé (voir le journal de QGIS) : {what} ne peut pas être enregistré de façon sûre</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/secrets.py" line="48"/>
        <source>QGIS refused to store {what} (is the master password of the QGIS authentication database set?)</source>
        <translation>QGIS a refusé d'enregistrer {what} (le mot de passe principal de la base d'authentification de QGIS est-il défini ?)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/secrets.py" line="61"/>
        <source>the service token</source>
        <translation>le jeton du service</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/qgis_support/secrets.py" line="104"/>
        <source>the S3 keys</source>
        <translation>les clés S3</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/delays_at_points.py" line="68"/>
        <source>For every point of the input layer, reads in a Sentinel-2 L1C product (a .zip, a .SAFE folder or a file inside it) the detector that sensed the point in the source band and the time delays from that band to every other band, dt = t(band) − t(source band) in seconds, corrected for the detector and the orbit with the CNES lookup table and the datastrip ephemeris (Binet et al. 2022). Adds the columns detector, src_band, h_sat_m (satellite altitude, m), v_ground (nadir ground speed, m/s), eph_utc (ephemeris sample time), sensed_utc (when the source band sensed the point), dt_&lt;band&gt; and s2_note (why a point has no values, or warnings). In a multi-tile product each point is read in its own tile, unless a tile is given. Points outside the tile(s) or every detector footprint keep empty values.</source>
        <translation>Pour chaque point de la couche d'entrée, lit dans un produit Sentinel-2 L1C (un .zip, un dossier .SAFE ou un fichier qu'il contient) le détecteur qui a acquis le point dans la bande source et les décalages temporels de cette bande vers chaque autre bande, dt = t(bande) − t(bande source) en secondes, corrigés pour le détecteur et l'orbite avec la table du CNES et les éphémérides du datastrip (Binet et al. 2022). Ajoute les colonnes detector, src_band, h_sat_m (altitude du satellite, m), v_ground (vitesse au sol du nadir, m/s), eph_utc (heure de l'échantillon d'éphémérides), sensed_utc (heure d'acquisition du point par la bande source), dt_&lt;bande&gt; et s2_note (pourquoi un point n'a pas de valeurs, ou les avertissements). Dans un produit multi-tuiles, chaque point est lu dans sa propre tuile, sauf si une tuile est donnée. Les points hors de la ou des tuiles ou de toute empreinte de détecteur restent sans valeurs.</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/delays_at_points.py" line="144"/>
        <source>outside every tile of the product ({tiles})</source>
        <translation>hors de toutes les tuiles du produit ({tiles})</translation>
    </message>
</context>
</TS>
