package io.junction.security;

/** A token or session just made: {@code secret} is shown this once and kept nowhere but by its holder. */
public record NewToken(TokenInfo info, String secret) {

    @Override
    public String toString() {
        return "NewToken[" + info + ", secret=(hidden)]";
    }
}
