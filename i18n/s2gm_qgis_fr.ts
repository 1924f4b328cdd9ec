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
        <location filename="../s2gm_qgis/gui/plugin.py" line="103"/>
        <source>Settings…</source>
        <translation>Paramètres…</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/plugin.py" line="103"/>
        <source>Engine, service and folders of S2GM</source>
        <translation>Moteur, service et dossiers de S2GM</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/plugin.py" line="107"/>
        <source>About S2GM…</source>
        <translation>À propos de S2GM…</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/plugin.py" line="282"/>
        <source>The {feature} tool could not start: {error}</source>
        <translation>L'outil {feature} n'a pas pu démarrer : {error}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/preferences.py" line="107"/>
        <source>{value} is not one of {choices}</source>
        <translation>{value} n'est pas l'une des valeurs permises : {choices}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/preferences.py" line="112"/>
        <source>{value} is not an http:// or https:// address with a host name</source>
        <translation>{value} n'est pas une adresse http:// ou https:// avec un nom d'hôte</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/preferences.py" line="118"/>
        <source>a folder is required</source>
        <translation>un dossier est requis</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/preferences.py" line="120"/>
        <source>{path} exists and is not a folder</source>
        <translation>{path} existe et n'est pas un dossier</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/preferences.py" line="123"/>
        <source>not a folder: {paths}</source>
        <translation>pas un dossier existant : {paths}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/preferences.py" line="152"/>
        <source>the QGIS authentication system is disabled (see the QGIS log): the service token cannot be stored safely</source>
        <translation>le système d'authentification de QGIS est désactivé (voir le journal de QGIS) : le jeton du service ne peut pas être enregistré de façon sûre</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/preferences.py" line="167"/>
        <source>QGIS refused to store the service token (is the master password of the QGIS authentication database set?)</source>
        <translation>QGIS a refusé d'enregistrer le jeton du service (le mot de passe principal de la base d'authentification de QGIS est-il défini ?)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="45"/>
        <source>S2GM settings</source>
        <translation>Paramètres de S2GM</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="218"/>
        <source>Mosaic engine</source>
        <translation>Moteur de mosaïque</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="83"/>
        <source>Embedded in QGIS, on my local archive</source>
        <translation>Intégré à QGIS, sur mon archive locale</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="84"/>
        <source>Engine service, over HTTP</source>
        <translation>Service de calcul, par HTTP</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="94"/>
        <source>Service address:</source>
        <translation>Adresse du service :</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="101"/>
        <source>Forget</source>
        <translation>Oublier</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="102"/>
        <source>Remove the stored token from the QGIS authentication database</source>
        <translation>Supprimer le jeton enregistré de la base d'authentification de QGIS</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="109"/>
        <source>Service token:</source>
        <translation>Jeton du service :</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="113"/>
        <source>Folders</source>
        <translation>Dossiers</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="117"/>
        <source>Folders holding Sentinel-2 L2A products (.SAFE folders or .zip files)</source>
        <translation>Dossiers contenant des produits Sentinel-2 L2A (dossiers .SAFE ou fichiers .zip)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="121"/>
        <source>Add…</source>
        <translation>Ajouter…</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="123"/>
        <source>Remove</source>
        <translation>Retirer</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="136"/>
        <source>Sentinel-2 archive:</source>
        <translation>Archive Sentinel-2 :</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="222"/>
        <source>Cache folder</source>
        <translation>Dossier de cache</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="139"/>
        <source>Cache folder:</source>
        <translation>Dossier de cache :</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="223"/>
        <source>Results folder</source>
        <translation>Dossier des résultats</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="141"/>
        <source>Results folder:</source>
        <translation>Dossier des résultats :</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="219"/>
        <source>Service address</source>
        <translation>Adresse du service</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="220"/>
        <source>Service token</source>
        <translation>Jeton du service</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="221"/>
        <source>Sentinel-2 archive</source>
        <translation>Archive Sentinel-2</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="256"/>
        <source>Add a Sentinel-2 archive folder</source>
        <translation>Ajouter un dossier d'archive Sentinel-2</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/provider.py" line="37"/>
        <source>S2GM: Sentinel-2 mosaics and inter-band delays</source>
        <translation>S2GM : mosaïques Sentinel-2 et décalages entre bandes</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="226"/>
        <source>{field}: {reason}</source>
        <translation>{field} : {reason}</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/product_info.py" line="78"/>
        <source>Read Sentinel-2 product metadata</source>
        <translation>Lire les métadonnées d'un produit Sentinel-2</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/product_info.py" line="81"/>
        <source>Sentinel-2 products</source>
        <translation>Produits Sentinel-2</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/product_info.py" line="87"/>
        <source>Reads a Sentinel-2 L1C or L2A product (a .SAFE folder, a .zip, or any file inside one such as MTD_MSIL1C.xml) and writes one feature per tile: product name, level, spacecraft, processing baseline, sensing start, relative orbit, cloud cover, quantification value, tile, EPSG code, tile sensing time, number of images, datastrip and, if the datastrip is missing or unusable, why. The geometry is the data footprint in WGS 84 when the metadata gives one. Nothing is written in the product.</source>
        <translation>Lit un produit Sentinel-2 L1C ou L2A (un dossier .SAFE, un .zip, ou un fichier qu'il contient comme MTD_MSIL1C.xml) et écrit une entité par tuile : nom du produit, niveau, satellite, version de traitement, début d'acquisition, orbite relative, couverture nuageuse, valeur de quantification, tuile, code EPSG, heure d'acquisition de la tuile, nombre d'images, datastrip et, si le datastrip manque ou est inutilisable, pourquoi. La géométrie est l'emprise des données en WGS 84 quand les métadonnées la donnent. Rien n'est écrit dans le produit.</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/product_info.py" line="101"/>
        <source>Sentinel-2 product (.zip, .SAFE folder or a file inside it)</source>
        <translation>Produit Sentinel-2 (.zip, dossier .SAFE ou un fichier qu'il contient)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/product_info.py" line="101"/>
        <source>Sentinel-2 products (*.zip *.xml);;All files (*)</source>
        <translation>Produits Sentinel-2 (*.zip *.xml);;Tous les fichiers (*)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/product_info.py" line="106"/>
        <source>Only this tile (e.g. 31TCJ)</source>
        <translation>Seulement cette tuile (par ex. 31TCJ)</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/processing/product_info.py" line="109"/>
        <source>Product metadata</source>
        <translation>Métadonnées du produit</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/formatting.py" line="36"/>
        <source>{detector} (all bands)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/formatting.py" line="38"/>
        <source>{detector} ({band}); elsewhere {differing}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/formatting.py" line="44"/>
        <source>{x:.1f} E, {y:.1f} N ({crs}) – lon {lon:.6f}°, lat {lat:.6f}°</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/formatting.py" line="51"/>
        <source>none: delays are the table&apos;s reference values, not corrected for the orbit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/formatting.py" line="52"/>
        <source>nearest the tile centre</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/formatting.py" line="53"/>
        <source>nearest the point</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/formatting.py" line="54"/>
        <source>H_sat {h:.1f} m, V_ground {v:.2f} m/s – sample {index} ({where}), UTC {utc}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/formatting.py" line="64"/>
        <source>Outside every detector footprint of {band}: no delays here.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/formatting.py" line="72"/>
        <source>S2GM {tile}: {message}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/formatting.py" line="76"/>
        <source>S2GM {tile} detector {detector}: {delays}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/formatting.py" line="88"/>
        <source>{ms:.2f} m/s ({kmh:.1f} km/h, {kn:.1f} kn)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/formatting.py" line="90"/>
        <source>{deg:.1f}° from true north</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/formatting.py" line="91"/>
        <source>± {u:.2f} m/s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/formatting.py" line="92"/>
        <source>{d:.1f} m in {dt:+.5f} s ({a} → {b}, detector {det})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/formatting.py" line="108"/>
        <source>source</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/layers.py" line="62"/>
        <source>no detector footprints of {band} in this product</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/layers.py" line="65"/>
        <source>Detectors {band} – {tile}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/layers.py" line="97"/>
        <source>Detector {n}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/layers.py" line="119"/>
        <source>{product} – true colour</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/layers.py" line="151"/>
        <source>GDAL cannot read this image</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/layers.py" line="138"/>
        <source>no TCI image and no {bands} image to show</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/layers.py" line="146"/>
        <source>GDAL cannot stack B04, B03, B02: {error}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/pins.py" line="106"/>
        <source>{path}: expected a .csv or .geojson file name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/pins.py" line="129"/>
        <source>Pin</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/pins.py" line="129"/>
        <source>Tile</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/pins.py" line="129"/>
        <source>Detector</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/pins.py" line="130"/>
        <source>Δt {src}→{dst} (s)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/pins.py" line="131"/>
        <source>Longitude</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/pins.py" line="131"/>
        <source>Latitude</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/task.py" line="29"/>
        <source>Opening Sentinel-2 product {name}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/delays/task.py" line="60"/>
        <source>unexpected error while reading {path}: {error}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/aoi.py" line="65"/>
        <source>the geometry has no valid coordinate reference system</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/aoi.py" line="77"/>
        <source>cannot reproject the geometry from {crs} to WGS 84: {error}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/aoi.py" line="87"/>
        <source>{source}: the geometry is empty</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/aoi.py" line="89"/>
        <source>{source}: an area of interest must be a polygon, not a {kind}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/aoi.py" line="96"/>
        <source>{source}: {reason}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/aoi.py" line="105"/>
        <source>{source}: the rectangle has no area</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/aoi.py" line="111"/>
        <source>map canvas extent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/aoi.py" line="117"/>
        <source>no valid layer chosen</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/aoi.py" line="118"/>
        <source>extent of layer {name}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/aoi.py" line="125"/>
        <source>choose a vector layer with selected polygons</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/aoi.py" line="126"/>
        <source>selected features of layer {name}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/aoi.py" line="128"/>
        <source>{source}: the layer holds {kind}s; an area of interest needs polygons</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/aoi.py" line="134"/>
        <source>{source}: no feature is selected</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/aoi.py" line="157"/>
        <source>the text is not WKT (expected POLYGON ((x y, ...)) or MULTIPOLYGON)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/mosaic/aoi.py" line="158"/>
        <source>pasted WKT</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="97"/>
        <source>Sent to the engine service as &apos;Authorization: Bearer&apos;; kept in the QGIS authentication database, not in the settings file</source>
        <translation>Envoyé au service de calcul comme « Authorization: Bearer » ; conservé dans la base d'authentification de QGIS, pas dans le fichier des paramètres</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="244"/>
        <source>stored; type a new one to replace it</source>
        <translation>enregistré ; saisir un autre pour le remplacer</translation>
    </message>
    <message>
        <location filename="../s2gm_qgis/gui/settings_dialog.py" line="246"/>
        <source>none</source>
        <translation>aucun</translation>
    </message>
</context>
</TS>
