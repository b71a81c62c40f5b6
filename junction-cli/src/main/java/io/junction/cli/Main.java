package io.junction.cli;

import io.junction.client.JunctionException;
import io.junction.errors.ErrorCode;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * Entry point of the {@code junction} command. Errors reach the user as one line, {@code CODE: <message>} for an
 * error from the broker (its {@link io.junction.errors.ErrorCode}) and {@code junction: <message>} otherwise,
 * with exit status 1 (2 for a wrong command line); the stack trace only with {@code --verbose} or when the
 * environment variable {@code JUNCTION_DEBUG} is set. An UNAUTHENTICATED error also says where the credentials
 * came from ({@link ServerOption#hint}), which the broker cannot know.
 */
public final class Main {

    static final String DEBUG_ENV = "JUNCTION_DEBUG";

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(newCommandLine().execute(args));
    }

    static CommandLine newCommandLine() {
        return new CommandLine(new JunctionCommand()).setExecutionExceptionHandler(Main::report);
    }

    private static int report(Exception e, CommandLine command, ParseResult parsed) {
        if (e instanceof JunctionException) {
            // The broker's code first, so scripts can match it: UNKNOWN_STATION: station 'x' does not exist
            final ErrorCode code = ((JunctionException) e).code();
            command.getErr().println(code + ": " + e.getMessage()
                    + (code == ErrorCode.UNAUTHENTICATED ? ServerOption.hint(command) : ""));
        } else {
            command.getErr().println("junction: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
        }
        if (isVerbose(parsed) || System.getenv(DEBUG_ENV) != null) {
            e.printStackTrace(command.getErr());
        }
        return CommandLine.ExitCode.SOFTWARE;
    }

    private static boolean isVerbose(ParseResult parsed) {
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption(JunctionCommand.VERBOSE)) {
                return true;
            }
        }
        return false;
    }
}
