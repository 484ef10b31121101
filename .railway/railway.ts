// Railway Infrastructure as Code for Lucien: the bot service, PostgreSQL and Redis.
//
// Railway stops reading railway.toml (Config as Code) on 2026-12-01 and new services must
// be configured here. Workflow (https://docs.railway.com/infrastructure-as-code and
// https://docs.railway.com/cli/config): `railway config plan`, then `railway config apply`,
// then `railway up`. The CLI evaluates this file with the `railway` npm package (the
// TypeScript SDK, https://www.npmjs.com/package/railway); install it next to this file's
// repository first: `npm install --no-save railway`. Step by step: docs/deploy.md.
//
// API sources, construct by construct:
// - defineRailway, project, service, postgres, redis, `ctx.environment`, `db.env.X`
//   references, `preserve()`, `start`, `healthcheck`, `healthcheckTimeout`, `replicas`,
//   `env`: https://docs.railway.com/infrastructure-as-code/reference
// - `build: { builder, dockerfilePath }` (type BuildConfig) and `deploy: { preDeployCommand,
//   restartPolicyType, restartPolicyMaxRetries, overlapSeconds, drainingSeconds }` (type
//   DeployConfig): the SDK's own types, src/iac/schema.ts in github.com/railwayapp/railway-ts-sdk
//   (package `railway`, export `railway/iac`); the keys and meanings are those of
//   https://docs.railway.com/config-as-code/reference, so railway.toml reads the same.
//
// railway.toml carries the same values for services still on Config as Code until then;
// tests/core/test_deploy_files.py checks that the two files agree.
import { defineRailway, postgres, preserve, project, redis, service } from "railway/iac";

export default defineRailway((ctx) => {
  const production = ctx.environment === "production";

  // Database helpers (reference, "Databases"): Railway provisions them and their volumes.
  const db = postgres("postgres");
  const cache = redis("redis");

  const bot = service("lucien", {
    // No `source`: `railway up` uploads this directory and builds it (add
    // `source: github("owner/repo")` from the reference, "Sources", to deploy on push).

    // Build with the repository's Dockerfile (BuildConfig.builder / dockerfilePath).
    build: { builder: "DOCKERFILE", dockerfilePath: "Dockerfile" },

    // Start command. With a Dockerfile it replaces the ENTRYPOINT in exec form
    // (https://docs.railway.com/deployments/start-command): lucien is PID 1 and gets
    // Railway's SIGTERM directly.
    start: "lucien run",

    // Readiness (reference, "Healthchecks"; https://docs.railway.com/deployments/healthchecks):
    // traffic moves to a new deployment only once /health answers 200.
    healthcheck: "/health",
    healthcheckTimeout: 120,

    // Reference, "Replicas". More than one needs REDIS_URL (below).
    replicas: production ? 2 : 1,

    deploy: {
      // Pre-deploy command (https://docs.railway.com/deployments/pre-deploy-command): runs
      // once per deploy in a separate container from the same image, with these variables;
      // a failure stops the deploy. `lucien migrate` upgrades every Alembic branch under an
      // advisory lock, so it is safe even if two deploys overlap.
      preDeployCommand: ["lucien migrate"],

      // Restart policy (config-as-code/reference, "Restart policy type").
      restartPolicyType: "ON_FAILURE",
      restartPolicyMaxRetries: 5,

      // Deployment teardown (https://docs.railway.com/deployments/deployment-teardown):
      // once the new deployment is active the old one runs `overlapSeconds` more, then gets
      // SIGTERM and, `drainingSeconds` later, SIGKILL (Railway sends nothing else).
      // Railway's draining default is 0 s, which would kill in-flight updates: lucien needs
      // DRAIN_TIMEOUT (20 s) to finish them, then time for plugins' shutdown hooks (10 s
      // limit each) and closing connections. Keep drainingSeconds >= DRAIN_TIMEOUT + 10.
      overlapSeconds: 10,
      drainingSeconds: 40,
    },

    // Every variable the service uses is listed: `railway config apply` deletes variables
    // that exist in Railway but are missing here. `preserve()` keeps the value already set
    // in Railway (secrets are set with `railway variables --set`, never written here).
    env: {
      // Variable references (reference, "Environment variables" / "Databases").
      // lucien accepts Railway's postgresql:// form and rewrites it for asyncpg.
      DATABASE_URL: db.env.DATABASE_URL,
      REDIS_URL: cache.env.REDIS_URL,

      ENV: "production",
      LOG_FORMAT: "json",
      PORT: "8080",
      // Seconds to finish in-flight updates after SIGTERM; must stay below drainingSeconds.
      DRAIN_TIMEOUT: "20",

      // Secrets and per-deployment choices, set in Railway.
      BOT_TOKEN: preserve(),
      WEBHOOK_SECRET: preserve(),
      ADMIN_IDS: preserve(),
      WEBHOOK_BASE_URL: preserve(),
      LUCIEN_PLUGINS: preserve(),
      LUCIEN_DISABLED_PLUGINS: preserve(),
      LOG_LEVEL: preserve(),
    },
  });

  return project("lucien", {
    resources: [db, cache, bot],
  });
});
