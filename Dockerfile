# syntax=docker/dockerfile:1
# Build: docker build -t breachbot .
# Run:   docker run --rm -v breachbot-data:/data -v "$PWD/breachbot.yaml:/etc/breachbot/breachbot.yaml:ro" \
#          -e SLACK_BOT_TOKEN -e SLACK_SIGNING_SECRET -e BREACHBOT_ENCRYPTION_KEY -p 8080:8080 breachbot
# (README.md, "Docker"; .dockerignore keeps databases, keys and CSVs out of the build)
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/breachbot ./cmd/breachbot \
 && mkdir -p /out/data

# distroless/static: no shell, CA certificates for Slack/SMTP/GitHub TLS,
# a non-root user (uid 65532). Time zone data is embedded in the binary.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/breachbot /usr/local/bin/breachbot
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
WORKDIR /data
ENV BREACHBOT_DB=/data/breachbot.db \
    BREACHBOT_OUTBOX=/data/outbox \
    BREACHBOT_HTTP_ADDR=:8080
VOLUME ["/data"]
EXPOSE 8080
# No shell or curl in the image: the binary asks its own GET /healthz on
# BREACHBOT_HTTP_ADDR and exits 0 (healthy) or 1.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["/usr/local/bin/breachbot", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/breachbot"]
# The config (roles, company) is mounted read-only; secrets come from -e.
CMD ["serve", "--config", "/etc/breachbot/breachbot.yaml"]
