# Build a static binary, then run it as a non-root user with the database on a volume.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/progressbot ./cmd/progressbot

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/progressbot /usr/local/bin/progressbot
ENV PROGRESSBOT_DB=/data/progressbot.db \
    PROGRESSBOT_HTTP_ADDR=:8080
VOLUME ["/data"]
EXPOSE 8080
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/progressbot"]
CMD ["serve"]
