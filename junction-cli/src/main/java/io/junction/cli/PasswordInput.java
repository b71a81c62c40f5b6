package io.junction.cli;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Where commands read a password: the first line of standard input ({@code --password-stdin}), or the console
 * without echo. A password is never printed, logged nor put in an exception's message. Stateless.
 */
final class PasswordInput {

    static final String STDIN_OPTION = "--password-stdin";

    /** Tests read standard input from here. */
    static InputStream stdin = System.in;

    private PasswordInput() {
    }

    /** The first line of standard input, without its line break. */
    static String fromStdin() {
        final String line;
        try {
            line = new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8)).readLine();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the password from standard input: " + e.getMessage(), e);
        }
        if (line == null || line.isEmpty()) {
            throw new IllegalArgumentException("no password on standard input (" + STDIN_OPTION + " reads its "
                    + "first line)");
        }
        return line;
    }

    /** Asks on the console, without echo; with {@code confirm}, twice, and both must match. */
    static String fromConsole(String prompt, boolean confirm) {
        final Console console = System.console();
        if (console == null) {
            throw new IllegalStateException("no console to ask for the password on: give it on standard input "
                    + "with " + STDIN_OPTION);
        }
        final char[] first = read(console, prompt);
        try {
            if (confirm) {
                final char[] again = read(console, "Again: ");
                try {
                    if (!Arrays.equals(first, again)) {
                        throw new IllegalArgumentException("the two passwords differ; nothing was changed");
                    }
                } finally {
                    Arrays.fill(again, '\0');
                }
            }
            return new String(first);
        } finally {
            Arrays.fill(first, '\0');
        }
    }

    private static char[] read(Console console, String prompt) {
        final char[] password = console.readPassword("%s", prompt);
        if (password == null || password.length == 0) {
            throw new IllegalArgumentException("no password given");
        }
        return password;
    }
}
