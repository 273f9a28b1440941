# One image for the api, the worker, the operator CLI and the migrations (see docker-compose.yml),
# on the current LTS line of Node.js (.nvmrc).
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY apps apps
COPY libs libs
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY scripts/kafka/ensure-topics.js ./scripts/kafka/ensure-topics.js
USER node
EXPOSE 3000 3001
CMD ["node", "dist/apps/api/src/main.js"]
