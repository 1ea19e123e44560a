# syntax=docker/dockerfile:1.7
# One parameterised multi-stage build for every TradAI-rs image:
#   docker build --build-arg BIN=tradai-backend --target service -t tradai/backend .
#   docker build --build-arg BIN=tradai-lambda --target lambda -t tradai/lambda .
# BIN is one of tradai-backend, tradai-strategy, tradai-data-collection, tradai-backtest-runner, tradai-lambda,
# tradai (the CLI, used by docker-compose.yml). The final images hold one static-enough binary on a distroless
# base (services) or the Lambda `provided` base (the one Lambda binary; the function's TRADAI_HANDLER picks
# its handler).

ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-bookworm AS build
# lld links tradai-lambda (identical code folding, scripts/build-lambda) where Rust's own rust-lld is not the
# default linker (arm64).
RUN apt-get update && apt-get install -y --no-install-recommends lld && rm -rf /var/lib/apt/lists/*
ARG BIN
# Cargo features of the binary's package (`aws` for the `tradai` CLI's `local up --aws-endpoint`).
ARG FEATURES=""
RUN test -n "$BIN" || (echo "--build-arg BIN=<binary> is required" >&2; exit 1)
WORKDIR /src
COPY . .
# tradai-lambda is built by scripts/build-lambda (its own profile and flags: size-optimised, abort on panic, no
# unwind tables, not position-independent); the rest with the release profile.
# The CLI also gets the stack program beside it (`local up --aws-endpoint` and `twin` create what the stacks
# plan, and find tradai-pulumi next to their own binary).
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    mkdir -p /out \
    && if [ "$BIN" = tradai-lambda ]; then scripts/build-lambda /out/app; \
    else cargo build --release --locked --bin "$BIN" --features "$FEATURES" && cp "target/release/$BIN" /out/app; fi \
    && if [ "$BIN" = tradai ]; then cargo build --release --locked --bin tradai-pulumi \
         && cp target/release/tradai-pulumi /out/ && strip /out/tradai-pulumi; fi \
    && strip /out/app

# Services, the runner and the CLI: no shell, no package manager, a non-root user.
FROM gcr.io/distroless/cc-debian12:nonroot AS service
COPY --from=build /out/ /usr/local/bin/
USER nonroot
ENTRYPOINT ["/usr/local/bin/app"]

# The Lambda functions: the binary is its own runtime client (lambda_runtime).
FROM public.ecr.aws/lambda/provided:al2023 AS lambda
# The SDK's trust store is the five Amazon Trust Services roots that issue every AWS endpoint's certificate:
# parsing the image's whole bundle (~145 roots) was half of a cold start, and without SSL_CERT_FILE
# rustls-native-certs also reads every file of the certificate directory (docs/benchmarks.md, decision W32).
COPY services/lambdas/aws-roots.pem /etc/tradai/aws-roots.pem
ENV SSL_CERT_FILE=/etc/tradai/aws-roots.pem
COPY --from=build /out/app /var/runtime/bootstrap
ENTRYPOINT ["/var/runtime/bootstrap"]

# MLflow (services.mlflow): the tracking server on the RDS database, artifacts in the mlflow bucket. The task
# definition sets DB_HOST (host:port), DB_NAME, ARTIFACT_ROOT and the DB_USERNAME/DB_PASSWORD secrets; the
# password is URL-quoted into the store URI. Its container health check is Python's urllib (the image has no
# curl). Built with: docker build --target mlflow -t tradai/mlflow .
FROM python:3.11-slim AS mlflow
ARG MLFLOW_VERSION=2.22.0
RUN pip install --no-cache-dir "mlflow==${MLFLOW_VERSION}" "psycopg2-binary==2.9.10" "boto3==1.38.0" \
    && useradd --system --uid 10001 mlflow
USER mlflow
EXPOSE 5000
ENTRYPOINT ["sh", "-c", "exec mlflow server --host 0.0.0.0 --port 5000 --backend-store-uri \"postgresql://$(python -c 'import os, urllib.parse as u; print(u.quote(os.environ[\"DB_USERNAME\"], safe=\"\") + \":\" + u.quote(os.environ[\"DB_PASSWORD\"], safe=\"\"))')@${DB_HOST}/${DB_NAME}\" --artifacts-destination \"${ARTIFACT_ROOT}\" --serve-artifacts"]
