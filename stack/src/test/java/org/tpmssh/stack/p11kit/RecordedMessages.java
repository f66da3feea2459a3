package org.tpmssh.stack.p11kit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Message bodies recorded between Debian 12's p11-kit-client.so 0.24.1 and a server (see the
 * header of recorded-p11-kit-0.24.1.txt): requests the real client sent, and replies of p11-kit's
 * own reference server.
 */
record RecordedMessages(Map<String, byte[]> byName) {
    static RecordedMessages load() throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (InputStream in = RecordedMessages.class.getResourceAsStream("recorded-p11-kit-0.24.1.txt")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split(" ");
                out.put(f[0], HexFormat.of().parseHex(f[1]));
            }
        }
        return new RecordedMessages(out);
    }

    byte[] get(String name) {
        byte[] b = byName.get(name);
        if (b == null) {
            throw new IllegalArgumentException("no recorded message " + name);
        }
        return b.clone();
    }

    List<byte[]> requests() {
        List<byte[]> out = new ArrayList<>();
        byName.forEach((k, v) -> {
            if (k.startsWith("request.")) {
                out.add(v.clone());
            }
        });
        return out;
    }
}
