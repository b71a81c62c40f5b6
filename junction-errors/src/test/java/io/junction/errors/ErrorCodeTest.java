package io.junction.errors;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The codes are protocol: this compares the enum with the table of released codes ({@code error-codes.txt}),
 * so a renumbered, renamed, removed or re-flagged code fails the build. The wire side is checked in junction-api.
 */
class ErrorCodeTest {

    @Test
    void shouldMatchTheTableOfReleasedCodesLineForLine() throws IOException {
        List<String> enumLines = Arrays.stream(ErrorCode.values())
                .map(c -> c.number() + " " + c.name() + " " + c.retriable()).collect(Collectors.toList());
        assertThat(enumLines).containsExactlyElementsOf(table());
    }

    @Test
    void shouldGiveEveryCodeItsOwnNumber() {
        assertThat(Arrays.stream(ErrorCode.values()).map(ErrorCode::number)).doesNotHaveDuplicates()
                .allMatch(n -> n > 0, "positive (0 is the wire's unspecified)");
    }

    @Test
    void shouldFindEveryCodeByItsNumberAndNoneByAnUnknownNumber() {
        for (ErrorCode code : ErrorCode.values()) {
            assertThat(ErrorCode.forNumber(code.number())).contains(code);
        }
        assertThat(ErrorCode.forNumber(0)).isEmpty();
        assertThat(ErrorCode.forNumber(999)).isEmpty();
    }

    @Test
    void shouldKeepOnlyTheClientsOwnCodesOutOfTheWiresRange() {
        assertThat(Arrays.stream(ErrorCode.values()).filter(ErrorCode::clientSide))
                .containsExactly(ErrorCode.UNAVAILABLE, ErrorCode.UNKNOWN);
    }

    private static List<String> table() throws IOException {
        List<String> lines = new ArrayList<>();
        try (InputStream in = ErrorCodeTest.class.getResourceAsStream("error-codes.txt");
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line; (line = reader.readLine()) != null; ) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    lines.add(line.strip());
                }
            }
        }
        return lines;
    }
}
