package org.tpmssh.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.emulators.SearchPath;

/**
 * One short real side-by-side run (swtpm, tpm2-abrmd, tpm2_ptool, SunPKCS11 on libtpm2_pkcs11):
 * every row has samples from both stacks and every signature verified (the recorder throws
 * otherwise). Prints the table; the full run is {@code Tpm2Pkcs11SideBySide.main}.
 */
class Tpm2Pkcs11SideBySideTest {
    @TempDir
    Path dir;

    @Test
    void bothStacksFillEveryRowOnTheSameSwtpm() throws Exception {
        assumeTrue(SearchPath.system().find("tpm2_ptool").isPresent(), "tpm2_ptool is not installed");
        assumeTrue(SearchPath.system().find("tpm2-abrmd").isPresent(), "tpm2-abrmd is not installed");
        assumeTrue(Files.exists(Tpm2Pkcs11SideBySide.MODULE), Tpm2Pkcs11SideBySide.MODULE + " is missing");
        int signs = Integer.getInteger("sideBySide.signs", 100);
        int creates = Integer.getInteger("sideBySide.creates", 4);
        List<Tpm2Pkcs11SideBySide.Row> rows = Tpm2Pkcs11SideBySide.run(dir,
                new Tpm2Pkcs11SideBySide.Settings(20, signs, creates, Math.max(2, creates / 2), creates));
        System.out.print(Tpm2Pkcs11SideBySide.table(rows));
        assertThat(rows).extracting(Tpm2Pkcs11SideBySide.Row::operation).containsExactly(
                Tpm2Pkcs11SideBySide.CREATE_ECC, Tpm2Pkcs11SideBySide.CREATE_RSA, Tpm2Pkcs11SideBySide.SIGN_ECC,
                Tpm2Pkcs11SideBySide.SIGN_RSA, Tpm2Pkcs11SideBySide.IMPORT_ECC);
        assertThat(rows).allSatisfy(r -> {
            assertThat(r.theirs()).as(r.operation()).isNotNull();
            assertThat(r.ours().getTotalCount()).isEqualTo(r.theirs().getTotalCount()).isPositive();
            assertThat(r.ours().getMinValue()).isPositive();
        });
    }
}
