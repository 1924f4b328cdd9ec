<?xml version="1.0" encoding="UTF-8"?>
<eop:Mask xmlns:eop="http://www.opengis.net/eop/2.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:gml="http://www.opengis.net/gml/3.2" gml:id="S2A_OPER_MSK_DETFOO_SGS__20160905T073438_A006291_T53HPA_B02_MSIL1C">
  <gml:name>MSK_DETFOO pixels mask from data-strip S2A_OPER_MSK_DETFOO_SGS__20160905T073438_A006291_T53HPA_B02_MSIL1C</gml:name>
  <gml:boundedBy>
    <gml:Envelope srsName="urn:ogc:def:crs:EPSG:8.7:32753">
      <gml:lowerCorner>600000 5993235.26182282 0</gml:lowerCorner>
      <gml:upperCorner>626320.8409430464 6100000 0</gml:upperCorner>
    </gml:Envelope>
  </gml:boundedBy>
  <eop:maskMembers>
    <eop:MaskFeature gml:id="detector_footprint-B02-12-0">
      <eop:maskType codeSpace="urn:gs2:S2PDGS:maskType">DETECTOR_FOOTPRINT</eop:maskType>
      <eop:extentOf>
        <gml:Polygon gml:id="DETECTOR_FOOTPRINT.0_Polygon">
          <gml:exterior>
            <gml:LinearRing>
              <gml:posList srsDimension="3">626320.840943046379834 6100000.0 0 626176.513954026158899 6099398.899643427692354 0 622280.965293268207461 6083115.175210045650601 0 618387.740384259144776 6066823.456244862638414 0 614507.35418336710427 6050520.333872360177338 0 610632.311787130311131 6034215.393019791692495 0 606759.079943781951442 6017918.744037652388215 0 602882.878809901070781 6001629.50828854367137 0 600881.553371323272586 5993235.261822819709778 0 600000.0 5993492.041816580109298 0 600000 6100000 0 626320.840943046379834 6100000.0 0</gml:posList>
            </gml:LinearRing>
          </gml:exterior>
        </gml:Polygon>
      </eop:extentOf>
    </eop:MaskFeature>
  </eop:maskMembers>
</eop:Mask>
