# The Headwater worker image (used by docker-compose.yml). It runs the TypeScript sources with tsx, as
# `npm run worker` does, as the unprivileged `node` user. Configuration comes from HEADWATER_CONFIG and
# the environment variables that file names; nothing secret is baked into the image.

# Stage 1: dependencies. zstd-napi compiles from source when no prebuilt binary fits the platform, so the
# build tools live here and stay out of the final image.
FROM node:20-bookworm-slim AS deps
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# Dev dependencies are kept: tsx runs the worker.
RUN npm ci --no-audit --no-fund

# Stage 2: runtime.
FROM node:20-bookworm-slim
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY src ./src
# The filesystem store's volume is mounted here; a fresh named volume takes this directory's owner.
RUN mkdir -p /var/lib/headwater/store && chown node:node /var/lib/headwater/store
USER node
CMD ["npx", "tsx", "src/worker/main.ts"]
