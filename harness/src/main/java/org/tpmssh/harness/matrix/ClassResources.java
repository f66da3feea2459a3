package org.tpmssh.harness.matrix;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.tpmssh.axes.Axis;
import org.tpmssh.axes.Backend;
import org.tpmssh.axes.ReportKeys;
import org.tpmssh.axes.RunProperty;
import org.tpmssh.harness.backends.Backends;
import org.tpmssh.harness.backends.SwtpmImage;
import org.tpmssh.harness.backends.TpmBackend;
import org.tpmssh.harness.wire.ChipProfiles;
import org.tpmssh.harness.wire.WireSink;
import org.tpmssh.tpm.TpmInfo;

/** The backends and servers a test class's invocations share, kept in the class's extension store and closed with it. */
final class ClassResources {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(ClassResources.class);

    private ClassResources() {
    }

    /** A started backend in the class store; its close() stops it and, for a device, checks the lab guard. */
    private record BackendResource(TpmBackend backend) implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() throws Exception {
            backend.close();
        }
    }

    /** A backend that failed to start: every invocation on it fails with the same cause, without retrying. */
    private record BackendFailure(Exception cause) {
    }

    /** The class's backend of this kind, started (and its TPM published) on first use. */
    static TpmBackend backend(ExtensionContext context, Backend kind) throws Exception {
        Object held = store(context).getOrComputeIfAbsent("backend:" + kind.label(), k -> {
            try {
                TpmBackend b = Backends.start(kind, config(context));
                TpmInfo info = b.info();
                Map<String, String> entries = new LinkedHashMap<>(Map.of(
                        Axis.BACKEND.reportKey(), kind.label(),
                        ReportKeys.TPM_MANUFACTURER, info.manufacturer() + (info.vendorString().isEmpty() ? ""
                                : " (" + info.vendorString() + ")"),
                        ReportKeys.TPM_FIRMWARE, info.firmwareVersion(),
                        ReportKeys.TPM_SPEC, info.specRevision()));
                b.image().ifPresent(image -> entries.putAll(imageEntries(image)));
                context.publishReportEntry(entries);
                WireSink.current().proxying(new WireSink.Proxying(kind.label(), b.wire().isPresent(),
                        Backends.notProxied(kind).orElse(null)));
                return new BackendResource(b);
            } catch (Exception e) {
                return new BackendFailure(e);
            }
        });
        if (held instanceof BackendFailure f) {
            throw f.cause();
        }
        return ((BackendResource) held).backend();
    }

    /** What a container backend's image labels say, beside the TPM's own identity; a missing label is left out. */
    static Map<String, String> imageEntries(SwtpmImage image) {
        Map<String, String> entries = new LinkedHashMap<>();
        entries.put(ReportKeys.TPM_IMAGE, image.name());
        entries.put(ReportKeys.TPM_IMAGE_DEBIAN, image.debianRelease());
        entries.put(ReportKeys.TPM_IMAGE_SWTPM, image.swtpmVersion());
        entries.put(ReportKeys.TPM_IMAGE_LIBTPMS, image.libtpmsVersion());
        entries.values().removeIf(Objects::isNull);
        return entries;
    }

    /** The class's servers, made on first use. */
    static ClassServers servers(ExtensionContext context) {
        return store(context).getOrComputeIfAbsent(ClassServers.class, k -> {
            try {
                return new ClassServers();
            } catch (IOException e) {
                throw new IllegalStateException("cannot create a directory for the test servers", e);
            }
        }, ClassServers.class);
    }

    /** The class's servers if any were made. */
    static Optional<ClassServers> existingServers(ExtensionContext context) {
        return Optional.ofNullable(store(context).get(ClassServers.class, ClassServers.class));
    }

    static Backends.Config config(ExtensionContext context) {
        return new Backends.Config(RunProperty.TCTI.read(context::getConfigurationParameter),
                RunProperty.ALLOW_LAB_WRITES.read(context::getConfigurationParameter).map(Boolean::parseBoolean)
                        .orElse(false),
                RunProperty.LATENCY_PROFILE.read(context::getConfigurationParameter).map(ChipProfiles::named));
    }

    /** The store of the class-level context, so that every invocation of the class shares what it holds. */
    private static ExtensionContext.Store store(ExtensionContext context) {
        ExtensionContext c = context;
        while (c.getTestMethod().isPresent() && c.getParent().isPresent()) {
            c = c.getParent().get();
        }
        return c.getStore(NS);
    }
}
