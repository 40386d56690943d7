# The deeplens CLI as a container image, for sweep workers on Kubernetes (deeplens sweep manifest --k8s)
# or any machine with Docker:
#   docker build -t deeplens-ts:0.1.0 .
#   docker run --rm -e DEEPLENS_QUEUE=redis://redis:6379 -e AWS_ACCESS_KEY_ID=… -e AWS_SECRET_ACCESS_KEY=… deeplens-ts:0.1.0 worker
# Stage 1 builds the workspace and packs the CLI (one bundle, the wasm kernels and assets beside it);
# stage 2 installs only that tarball on a slim Node image.
FROM node:20-bookworm AS build
WORKDIR /src
COPY . .
RUN npx -y pnpm@10.34.9 install --frozen-lockfile \
 && npx -y pnpm@10.34.9 nx run @deeplens/cli:build --output-style=static \
 && cd packages/cli && npx -y pnpm@10.34.9 pack --pack-destination /out

FROM node:20-bookworm-slim
ENV NODE_ENV=production CI=1
COPY --from=build /out/deeplens-cli-0.1.0.tgz /tmp/
RUN npm install -g --no-audit --no-fund /tmp/deeplens-cli-0.1.0.tgz && rm /tmp/deeplens-cli-0.1.0.tgz
# Run folders train here before they are copied to the sweep's shared storage.
RUN mkdir /scratch && chown node:node /scratch
VOLUME /scratch
USER node
ENTRYPOINT ["deeplens"]
CMD ["worker", "--scratch", "/scratch"]
