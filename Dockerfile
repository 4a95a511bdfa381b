# Build stage: compile TypeScript with the dev dependencies.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build && npm prune --omit=dev

# Runtime stage: production dependencies and the build, as a non-root user.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY data ./data
# EXPORT_DIR (./var/exports) must be writable by the unprivileged user.
RUN mkdir -p var/exports && chown node:node var/exports
USER node
# 3000: the API (main.js). 9464: GET /metrics of a worker (worker.js).
EXPOSE 3000 9464
CMD ["node", "dist/src/main.js"]
