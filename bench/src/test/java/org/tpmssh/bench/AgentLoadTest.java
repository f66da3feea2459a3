package org.tpmssh.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Short real runs of the agent recorders: several clients signing at once through our agent on one swtpm get every
 * signature, each verified by the JDK, and a soak leaves the TPM's object and session lists as it found them. The
 * full runs are {@code AgentLoad.main} and {@code AgentSoak.main} (scripts/soak); no timing is asserted.
 */
class AgentLoadTest {
    @Test
    void concurrentClientsGetEverySignatureAndTheJdkAcceptsEachOne() throws Exception {
        AgentLoad.Result r = AgentLoad.run(Integer.getInteger("agentLoad.clients", 4),
                Integer.getInteger("agentLoad.each", 50), 100, 2, false);
        System.out.print(r.table());
        assertThat(r.rows()).hasSize(3);
        AgentLoad.Row many = r.rows().get(2);
        assertThat(many.signatures()).isEqualTo(Integer.getInteger("agentLoad.clients", 4) * (long) Integer
                .getInteger("agentLoad.each", 50));
        assertThat(r.rows()).allSatisfy(row -> {
            assertThat(row.errors()).as(row.path()).isZero();
            assertThat(row.unverified()).as(row.path()).isZero();
            assertThat(row.micros().getTotalCount()).as(row.path()).isEqualTo(row.signatures());
        });
    }

    @Test
    void aSoakLeavesTheHandleListsAsItFoundThem() throws Exception {
        AgentSoak.Result r = AgentSoak.run(Long.getLong("agentSoak.signatures", 1000), 250);
        System.out.print(r.report());
        assertThat(r.errors()).isZero();
        assertThat(r.unverified()).isZero();
        assertThat(r.micros().getTotalCount()).isEqualTo(r.signatures());
        assertThat(r.before().get("transient")).as("the agent's SRK and key").hasSize(2);
        assertThat(r.before().get("loaded sessions")).as("the agent's one session").hasSize(1);
        assertThat(r.after()).isEqualTo(r.before());
    }
}
