package org.trialfhir.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class NearParameterTest {

  @Test
  void aPointWithDistanceAndUnits() {
    NearParameter near = NearParameter.parse("site.near", "52.37|4.89|50|km");
    assertThat(near.latitude()).isEqualByComparingTo(new BigDecimal("52.37"));
    assertThat(near.longitude()).isEqualByComparingTo(new BigDecimal("4.89"));
    assertThat(NearParameter.parse("site.near", "-33.9|151.2").longitude())
        .isEqualByComparingTo(new BigDecimal("151.2"));
  }

  @Test
  void aLatitudeWithoutALongitudeIsRefusedNamingIt() {
    for (String value : new String[] {"52.37", "52.37|", "52.37||50|km"}) {
      assertThatThrownBy(() -> NearParameter.parse("site.near", value))
          .as(value)
          .isInstanceOf(InvalidRequestException.class)
          .hasMessageContaining(
              "site.near=" + value + " is refused: a latitude without a longitude")
          .hasMessageContaining("[latitude]|[longitude]|[distance]|[units]");
    }
    assertThatThrownBy(() -> NearParameter.parse("site.near", "|4.89|50|km"))
        .hasMessageContaining("a longitude without a latitude");
    assertThatThrownBy(() -> NearParameter.parse("site.near", ""))
        .hasMessageContaining("no latitude and no longitude");
  }

  @Test
  void notANumberOrOffTheGlobeIsRefused() {
    assertThatThrownBy(() -> NearParameter.parse("site.near", "52,37|4.89"))
        .hasMessageContaining("the latitude '52,37' is not a decimal number");
    assertThatThrownBy(() -> NearParameter.parse("site.near", "95|4.89"))
        .hasMessageContaining("latitude 95 is outside -90 to 90");
    assertThatThrownBy(() -> NearParameter.parse("site.near", "52|190"))
        .hasMessageContaining("longitude 190 is outside -180 to 180");
    assertThatThrownBy(() -> NearParameter.parse("site.near", "52|4|-5|km"))
        .hasMessageContaining("the distance -5 is negative");
  }
}
