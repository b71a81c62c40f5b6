package io.junction.connect.http;

import java.util.Map;
import java.util.Set;

import io.junction.broker.Names;
import io.junction.broker.StationInfo;
import io.junction.connect.Connector;
import io.junction.connect.ConnectorContext;
import io.junction.connect.ConnectorType;

/**
 * {@code --type http-sink}: delivers a station's messages, as a consumer group, to an HTTP endpoint, one JSON POST
 * per message (docs/connectors.md, "http-sink"). Stateless and thread-safe.
 */
public final class HttpSinkType implements ConnectorType {

    public static final String NAME = "http-sink";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, String> options() {
        return HttpSinkConfig.OPTIONS;
    }

    @Override
    public Map<String, String> secrets() {
        return HttpSinkConfig.SECRETS;
    }

    @Override
    public Set<String> required() {
        return HttpSinkConfig.REQUIRED;
    }

    /**
     * Parses the options and secrets ({@link HttpSinkConfig#parse}), checks the group's name and that the station
     * exists, and that a request's timeout is below the station's ack timeout (else a slow request's message would
     * be handed out again while the request still runs).
     */
    @Override
    public void validate(ConnectorContext context) {
        HttpSinkConfig config = HttpSinkConfig.parse(context);
        Names.check("group", config.group());
        StationInfo station = context.broker().stationInfo(context.tenant(), config.station());
        if (config.timeout().compareTo(station.config().ackTimeout()) >= 0) {
            throw HttpSinkConfig.invalid(HttpSinkConfig.TIMEOUT, "(" + config.timeout() + ") must be below the ack "
                    + "timeout of station " + config.station() + " (" + station.config().ackTimeout() + ")");
        }
    }

    @Override
    public Connector create(ConnectorContext context) {
        return new HttpSink(context, HttpSinkConfig.parse(context));
    }
}
