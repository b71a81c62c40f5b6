package io.junction.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The one place that reads an I/O error's message: what it takes for a full disk, and what it leaves alone. */
class DiskFullExceptionTest {

    @Test
    void recognisesTheOperatingSystemsWordsForAFullDisk() {
        assertThat(DiskFullException.recognise(new IOException("No space left on device")))
                .isInstanceOf(DiskFullException.class).hasMessage("No space left on device");
        assertThat(DiskFullException.recognise(new IOException("There is not enough space on the disk")))
                .isInstanceOf(DiskFullException.class);
    }

    @Test
    void leavesEveryOtherFailureAsItIs() {
        IOException broken = new IOException("Input/output error");
        assertThat(DiskFullException.recognise(broken)).isSameAs(broken);
        IOException silent = new IOException();
        assertThat(DiskFullException.recognise(silent)).isSameAs(silent);
    }

    @Test
    void shouldNotWrapTwice() {
        IOException full = DiskFullException.recognise(new IOException("No space left on device"));
        assertThat(DiskFullException.recognise(full)).isSameAs(full);
    }
}
