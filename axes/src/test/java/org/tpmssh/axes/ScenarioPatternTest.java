package org.tpmssh.axes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.regex.PatternSyntaxException;
import org.junit.jupiter.api.Test;

/** One reading of a scenario selection, for the conformance command's discovery and the matrix alike. */
class ScenarioPatternTest {
    private static final String CLASS = "org.tpmssh.scenarios.LoginTest#loginSucceeds";
    private static final String DISPLAY = "ssh logs in with a TPM key";

    @Test
    void aPlainWordMatchesAnyPartOfAnyNameIgnoringCase() {
        assertThat(ScenarioPattern.parse("logintest").matchesAny(CLASS)).isTrue();
        assertThat(ScenarioPattern.parse("LOGS IN").matchesAny(CLASS, DISPLAY)).isTrue();
        assertThat(ScenarioPattern.parse("lockout").matchesAny(CLASS, DISPLAY)).isFalse();
    }

    @Test
    void starAndQuestionMarkAreGlobWildcardsAndOtherCharactersAreLiteral() {
        assertThat(ScenarioPattern.parse("Login*").matchesAny(CLASS)).isTrue();
        assertThat(ScenarioPattern.parse("l?gs in").matchesAny(DISPLAY)).isTrue();
        assertThat(ScenarioPattern.parse("ssh*TPM key").matchesAny(DISPLAY)).isTrue();
        assertThat(ScenarioPattern.parse("ssh*RSA key").matchesAny(DISPLAY)).isFalse();
        // A dot in a glob is a dot, not any character.
        assertThat(ScenarioPattern.parse("scenarios.Login").matchesAny(CLASS)).isTrue();
        assertThat(ScenarioPattern.parse("scenariosXLogin").matchesAny("org.tpmssh.scenarios.Login")).isFalse();
        assertThat(ScenarioPattern.parse("a.b").matchesAny("aXb")).isFalse();
    }

    @Test
    void commasSeparateGlobsAnyOfWhichMayMatch() {
        ScenarioPattern p = ScenarioPattern.parse("Login, sshsig");
        assertThat(p.matchesAny("org.tpmssh.scenarios.LoginTest#x")).isTrue();
        assertThat(p.matchesAny("org.tpmssh.scenarios.SshSigRoundTripTest#y")).isTrue();
        assertThat(p.matchesAny("org.tpmssh.scenarios.LockoutTest#z")).isFalse();
    }

    @Test
    void regexSyntaxMakesTheWholeTextOneRegularExpression() {
        assertThat(ScenarioPattern.parse("^org\\.tpmssh\\..*Login").matchesAny(CLASS)).isTrue();
        assertThat(ScenarioPattern.parse("^Login").matchesAny(CLASS)).isFalse();
        assertThat(ScenarioPattern.parse("Lockout|logs in").matchesAny(DISPLAY)).isTrue();
        assertThat(ScenarioPattern.parse("x{1,2}y").matchesAny("xxy")).isTrue(); // its comma is the regex's
        assertThatThrownBy(() -> ScenarioPattern.parse("(")).isInstanceOf(PatternSyntaxException.class);
    }

    @Test
    void aMissingNameMatchesNothing() {
        assertThat(ScenarioPattern.parse("Login").matchesAny((String) null)).isFalse();
        assertThat(ScenarioPattern.parse("Login").toString()).isEqualTo("Login");
    }
}
