package io.junction.client;

/**
 * A token just created, or a session just opened by {@link JunctionClient#login()}: {@code secret} is what a client
 * sends ({@link JunctionClient.Builder#token}); the broker shows it only this once and keeps only its hash.
 * {@link #toString()} hides it.
 */
public record NewToken(String secret, TokenInfo info) {

    @Override
    public String toString() {
        return "NewToken[" + info + ", secret=(hidden)]";
    }
}
