package org.tpmssh.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.emulators.SearchPath;
import org.tpmssh.stack.p11kit.P11KitClientModule;

/**
 * One short real side-by-side run of the two C-facing modules (p11-kit-client.so on our server,
 * libtpm2_pkcs11) on one swtpm and one sshd: every row has samples from both modules, every
 * SunPKCS11 signature verified by the JDK and every ssh -I login succeeded (the recorder throws
 * otherwise). Prints the table; the full run is {@code P11KitSideBySide.main}. No timing is asserted.
 */
class P11KitSideBySideTest {
    @TempDir
    Path dir;

    @Test
    void bothModulesFillEveryRowOnTheSameSwtpm() throws Exception {
        assumeTrue(P11KitClientModule.find().isPresent(), P11KitClientModule.missing());
        assumeTrue(SearchPath.system().find("tpm2_ptool").isPresent(), "tpm2_ptool is not installed");
        assumeTrue(SearchPath.system().find("tpm2-abrmd").isPresent(), "tpm2-abrmd is not installed");
        assumeTrue(Files.exists(Tpm2Pkcs11SideBySide.MODULE), Tpm2Pkcs11SideBySide.MODULE + " is missing");
        int signs = Integer.getInteger("p11kitSideBySide.signs", 20);
        int logins = Integer.getInteger("p11kitSideBySide.logins", 3);
        List<P11KitSideBySide.Row> rows = P11KitSideBySide.run(dir, new P11KitSideBySide.Settings(5, signs, 1,
                logins));
        System.out.print(P11KitSideBySide.table(rows));
        assertThat(rows).extracting(P11KitSideBySide.Row::operation).containsExactly(P11KitSideBySide.SIGN_ECC,
                P11KitSideBySide.SIGN_RSA, P11KitSideBySide.LOGIN);
        assertThat(rows).allSatisfy(r -> {
            assertThat(r.p11kit().getTotalCount()).as(r.operation()).isEqualTo(r.tpm2pkcs11().getTotalCount())
                    .isPositive();
            assertThat(r.p11kit().getMinValue()).isPositive();
        });
        assertThat(rows.get(2).keyFile().getTotalCount()).isEqualTo(logins);
    }
}
