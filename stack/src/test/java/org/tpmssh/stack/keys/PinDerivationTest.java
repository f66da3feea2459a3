package org.tpmssh.stack.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.KeyParameter;
import org.junit.jupiter.api.Test;
import org.tpmssh.stack.pin.PinIncorrectException;
import org.tpmssh.stack.pin.PinLockedException;
import org.tpmssh.tpm.ResponseCodes;
import org.tpmssh.tpm.TpmResponseException;
import org.tpmssh.tpm.TpmTransportException;

/**
 * The PIN's way to the TPM without a TPM: the authValues are exactly the functions docs/SECURITY.md names (checked
 * with Bouncy Castle), and the TPM's refusals become the PIN errors users see, lockout first. The TPM answers here
 * are recorded response codes, faked on purpose; the real TPM's are in LockoutTest and WrongPinTest.
 */
class PinDerivationTest {
    private static final int SIGN = 0x0000015D;

    @Test
    void aKeysAuthValueIsSha256OfTheDomainAndTheUtf8Pin() {
        char[] pin = "1234-ä€".toCharArray();
        byte[] utf8 = "1234-ä€".getBytes(StandardCharsets.UTF_8);
        SHA256Digest sha = new SHA256Digest();
        byte[] domain = "tpmssh pin v1\0".getBytes(StandardCharsets.US_ASCII);
        sha.update(domain, 0, domain.length);
        sha.update(utf8, 0, utf8.length);
        byte[] expected = new byte[32];
        sha.doFinal(expected, 0);
        assertThat(PinAuth.authValue(pin)).isEqualTo(expected);
        assertThat(pin).as("the caller's PIN is left for the caller to wipe").containsExactly("1234-ä€".toCharArray());
        assertThat(PinAuth.authValue(new char[0])).isEmpty();
        assertThat(PinAuth.authValue(null)).isEmpty();
        assertThat(PinAuth.authValue("1235".toCharArray())).isNotEqualTo(PinAuth.authValue("1234".toCharArray()));
    }

    @Test
    void aTokenSealsAuthValueIsHmacOfItsSaltOverTheDomainAndThePin() {
        byte[] salt = "sixteen byte salt, more or less".getBytes(StandardCharsets.US_ASCII);
        byte[] utf8 = "2468".getBytes(StandardCharsets.UTF_8);
        HMac hmac = new HMac(new SHA256Digest());
        hmac.init(new KeyParameter(salt));
        byte[] domain = "tpmssh seal auth v1\0".getBytes(StandardCharsets.US_ASCII);
        hmac.update(domain, 0, domain.length);
        hmac.update(utf8, 0, utf8.length);
        byte[] expected = new byte[32];
        hmac.doFinal(expected, 0);
        assertThat(PinAuth.authValue("2468".toCharArray(), salt)).isEqualTo(expected);
        byte[] otherSalt = salt.clone();
        otherSalt[0] ^= 1;
        assertThat(PinAuth.authValue("2468".toCharArray(), otherSalt)).as("the same PIN on another token")
                .isNotEqualTo(expected);
        assertThatThrownBy(() -> PinAuth.authValue(new char[0], salt)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a PIN token needs a non-empty PIN");
        assertThatThrownBy(() -> PinAuth.authValue(null, salt)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anAuthorizationFailureIsAWrongPinThatNamesWhosePin() {
        // 0x98E: TPM_RC_AUTH_FAIL for session 1; 0x9A2: TPM_RC_BAD_AUTH for session 1.
        for (int rc : new int[] {0x98E, 0x9A2, ResponseCodes.AUTH_FAIL}) {
            TpmResponseException refused = new TpmResponseException(SIGN, rc);
            assertThatThrownBy(() -> PinAttempts.attempt("the PIN for key \"k\"", freshObject(), AUTH, () -> {
                throw refused;
            })).isInstanceOf(PinIncorrectException.class).hasCause(refused)
                    .hasMessage("the PIN for key \"k\" is incorrect; each wrong PIN counts toward the TPM's"
                            + " dictionary-attack lockout");
        }
    }

    @Test
    void lockoutIsLockoutNotAnotherWrongPin() {
        TpmResponseException lockout = new TpmResponseException(SIGN, ResponseCodes.LOCKOUT);
        assertThatThrownBy(() -> PinAttempts.attempt("the PIN", freshObject(), AUTH, () -> {
            throw lockout;
        })).isInstanceOf(PinLockedException.class).hasCause(lockout)
                .hasMessageStartingWith("the TPM is in dictionary-attack lockout and refuses every PIN for now;");
    }

    @Test
    void otherFailuresPassUnchangedAndSuccessReturnsTheResult() throws Exception {
        TpmResponseException memory = new TpmResponseException(SIGN, 0x902);
        assertThatThrownBy(() -> PinAttempts.attempt("the PIN", freshObject(), AUTH, () -> {
            throw memory;
        })).isSameAs(memory);
        TpmTransportException gone = new TpmTransportException(
                new org.tpmssh.tpm.transport.TransportException("the TPM went away"));
        assertThatThrownBy(() -> PinAttempts.attempt("the PIN", freshObject(), AUTH, () -> {
            throw gone;
        })).isSameAs(gone);
        assertThat(PinAttempts.attempt("the PIN", freshObject(), AUTH, () -> "signed")).isEqualTo("signed");
    }

    /** Stands for an authValue; never a real PIN's. */
    private static final byte[] AUTH = {1, 2, 3};

    /**
     * A target no other test used, since PinAttempts remembers every refusal for the life of the JVM and answers a
     * repeated one itself.
     */
    private static byte[] freshObject() {
        return java.util.UUID.randomUUID().toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
