package org.tpmssh.scenarios;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.tpmssh.axes.Axis;
import org.tpmssh.axes.Backend;
import org.tpmssh.axes.ReportKeys;
import org.tpmssh.axes.SuiteTags;

/**
 * A matrix scenario announces how many invocations it will run before the first one starts, so that
 * {@code tpmssh conformance} can show an exact remaining count. Run on container-trixie, whose image is built only
 * on request, so it is usually skipped at once; where that image is, the invocations simply run.
 */
@DisplayName("The matrix announces its size")
// Checks the suites themselves (it runs them through a nested Launcher), so it belongs to mvn verify,
// not to a conformance run, which would run the suites it drives twice.
@Tag(SuiteTags.SELF_CHECK)
class MatrixSizeAnnouncementTest {

    @Test
    @DisplayName("tpmssh.matrix.invocations equals the invocations the template then registers")
    void announcedSizeMatchesTheInvocations() {
        Map<String, Integer> announced = new ConcurrentHashMap<>();
        Map<String, AtomicInteger> registered = new ConcurrentHashMap<>();
        List<String> announcedBeforeFirst = new ArrayList<>();
        TestExecutionListener listener = new TestExecutionListener() {
            @Override
            public void reportingEntryPublished(TestIdentifier id, ReportEntry entry) {
                String size = entry.getKeyValuePairs().get(ReportKeys.INVOCATIONS);
                if (size != null) {
                    announced.put(id.getUniqueId(), Integer.parseInt(size));
                    if (!registered.containsKey(id.getUniqueId())) {
                        announcedBeforeFirst.add(id.getUniqueId());
                    }
                }
            }

            @Override
            public void dynamicTestRegistered(TestIdentifier id) {
                id.getParentId().ifPresent(p -> registered.computeIfAbsent(p, k -> new AtomicInteger())
                        .incrementAndGet());
            }
        };
        // Two key types and both servers give each template more than one invocation.
        LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request()
                .selectors(selectClass(UnauthorizedKeyTest.class), selectClass(AgentListsKeysTest.class))
                .configurationParameter(Axis.BACKEND.property(), Backend.CONTAINER_TRIXIE.label())
                .configurationParameter(Axis.KEY.property(), "ecc-p256,rsa-2048")
                .build(), listener);

        assertThat(announced).as("templates that announced their size").hasSize(2);
        assertThat(announcedBeforeFirst).as("announced before their first invocation registered")
                .containsExactlyInAnyOrderElementsOf(announced.keySet());
        announced.forEach((template, size) -> assertThat(registered.get(template)).as(template)
                .hasValue(size));
        // UnauthorizedKeyTest: 2 servers x 2 keys; AgentListsKeysTest: openssh only, 2 keys.
        assertThat(announced.values()).containsExactlyInAnyOrder(4, 2);
    }
}
