# progressbot: one static binary (CGO_ENABLED=0; SQLite is modernc.org/sqlite, the time
# zone database is embedded), run as a non-root user with the database on a volume.
#
#   docker build -t progressbot .
#   docker compose up -d            # with Redis: see compose.yaml and the README
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/progressbot ./cmd/progressbot \
 && mkdir -p /out/data /out/backups

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/progressbot /usr/local/bin/progressbot
# The volumes' mount points, owned by the nonroot user (65532): a named volume mounted
# there starts with this ownership, so the bot can create its database. (A bind mount
# must be made writable for uid 65532 by hand.)
COPY --from=build --chown=65532:65532 /out/data /data
COPY --from=build --chown=65532:65532 /out/backups /backups
ENV PROGRESSBOT_DB=/data/progressbot.db \
    PROGRESSBOT_HTTP_ADDR=:8080 \
    PROGRESSBOT_TZ=Asia/Shanghai
VOLUME ["/data"]
EXPOSE 8080
USER nonroot:nonroot
# serve finishes the updates in hand and the outbox's sends on SIGTERM (docker stop);
# give it the time (compose.yaml: stop_grace_period).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/progressbot"]
CMD ["serve"]
