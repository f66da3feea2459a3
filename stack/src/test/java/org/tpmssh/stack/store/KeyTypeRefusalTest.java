package org.tpmssh.stack.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.stack.keys.TpmSshKeys.KeyType;
import org.tpmssh.tpm.TpmResponseException;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.structures.Templates;
import org.tpmssh.tpm.structures.TpmtPublic;

/**
 * A key type the TPM refuses at TPM2_Create is named with the types to choose instead, and nothing is stored.
 * The swtpm makes every type, so {@link RefusingTpm} answers that one TPM2_Create as a TPM without the type does.
 */
class KeyTypeRefusalTest {
    /** TPM_RC_P | TPM_RC_2: the refusal is of the command's second parameter, inPublic. */
    private static final int OF_IN_PUBLIC = 0x040 | 0x200;
    private static final int TPM_RC_ATTRIBUTES = 0x082;

    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({"RSA_3072, 0x087, TPM_RC_KEY_SIZE", "RSA_3072, 0x084, TPM_RC_VALUE", "ECC_P384, 0x0A6, TPM_RC_CURVE"})
    void aTypeTheTpmCannotMakeIsNamedAndNothingIsStored(KeyType type, String code, String name) throws Exception {
        int rc = Integer.decode(code) | OF_IN_PUBLIC;
        try (Swtpm swtpm = Swtpm.builder().unixSocket(true).start();
                RefusingTpm tpm = RefusingTpm.start(dir.resolve("tpm"), swtpm, template(type), rc);
                KeyRing ring = KeyRing.open(new Tpm(tpm.tcti().open()), ParentKind.ECC.template())) {
            Tokens tokens = new Tokens(TokenStore.open(dir.resolve("store")), ring, ParentKind.ECC);
            tokens.init("t", null, null);
            assertThatThrownBy(() -> tokens.createKey("t", type, "k", true, "", null))
                    .isInstanceOf(StoreException.class)
                    .hasMessage("this TPM cannot create " + type.label() + " keys (" + name + "); choose ecc-p256 or"
                            + " rsa-2048");
            assertThat(tokens.store().keys("t")).isEmpty();
            tokens.createKey("t", KeyType.ECC_P256, "k", true, "", null);
            assertThat(tokens.store().keys("t")).extracting(KeyRecord::label).containsExactly("k");
        }
    }

    @Test
    void aRefusalThatIsNotAboutTheTypeIsTheTpmsOwn() throws Exception {
        try (Swtpm swtpm = Swtpm.builder().unixSocket(true).start();
                RefusingTpm tpm = RefusingTpm.start(dir.resolve("tpm"), swtpm, template(KeyType.RSA_2048),
                        TPM_RC_ATTRIBUTES | OF_IN_PUBLIC);
                KeyRing ring = KeyRing.open(new Tpm(tpm.tcti().open()), ParentKind.ECC.template())) {
            Tokens tokens = new Tokens(TokenStore.open(dir.resolve("store")), ring, ParentKind.ECC);
            tokens.init("t", null, null);
            assertThatThrownBy(() -> tokens.createKey("t", KeyType.RSA_2048, "k", true, "", null))
                    .isInstanceOfSatisfying(TpmResponseException.class,
                            e -> assertThat(e.rcName()).isEqualTo("TPM_RC_ATTRIBUTES"));
            assertThat(tokens.store().keys("t")).isEmpty();
        }
    }

    /** The public area createKey asks the TPM for: a PIN-less (noDA) signing key of {@code type}. */
    private static byte[] template(KeyType type) {
        TpmtPublic t = type.isEcc() ? Templates.eccSigningKey(type.curve(), true)
                : Templates.rsaSigningKey(type.rsaBits(), true);
        return t.toBytes();
    }
}
