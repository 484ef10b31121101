"""The Lua procedures every update runs: one round trip to begin it, one to finish it
(and the flood-control check, batched with them).

aiogram's RedisStorage + RedisEventIsolation spend several round trips per update (lock
script, state GET, data GET, unlock script, each SET). These two do the same work in
two: claim the update and take the user's lock with the state read, then write the
buffered state, release the lock and mark the update done. Each is written as a script
of its own would be (KEYS, ARGV, a return value); `lucien.core.redis_batch` runs them,
with whatever else the event loop's turn asked of Redis, in one script call.
"""

from __future__ import annotations

# Refuse a duplicate update, else take the user's lock and return state and data together.
# KEYS: lock, state, data[, dedup]; ARGV: token, lock ms, claim ms.
# Reply: {-1, dedup mark} duplicate | {1, state, data} locked | {0, lock pttl} held elsewhere.
ACQUIRE_LUA = """
if #KEYS > 3 then
  local seen = redis.call('GET', KEYS[4])
  if seen then return {-1, seen} end
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  if #KEYS > 3 then redis.call('SET', KEYS[4], 'p', 'PX', ARGV[3]) end
  return {1, redis.call('GET', KEYS[2]), redis.call('GET', KEYS[3])}
end
return {0, redis.call('PTTL', KEYS[1])}
"""

# Write buffered state/data, release the lock if still ours, and mark the update done (or
# release its claim so that a redelivery is handled).
# KEYS: lock, state, data[, dedup]; ARGV: token, state op, state, data op, data,
# dedup op ('done' | 'abort' | ''), dedup ms. Reply: 1 when the lock was still ours.
RELEASE_LUA = """
local mine = redis.call('GET', KEYS[1]) == ARGV[1]
if mine then redis.call('DEL', KEYS[1]) end
if ARGV[2] == 'set' then redis.call('SET', KEYS[2], ARGV[3])
elseif ARGV[2] == 'del' then redis.call('DEL', KEYS[2]) end
if ARGV[4] == 'set' then redis.call('SET', KEYS[3], ARGV[5])
elseif ARGV[4] == 'del' then redis.call('DEL', KEYS[3]) end
if #KEYS > 3 then
  if ARGV[6] == 'done' then redis.call('SET', KEYS[4], 'd', 'PX', ARGV[7])
  elseif ARGV[6] == 'abort' and redis.call('GET', KEYS[4]) == 'p' then
    redis.call('DEL', KEYS[4])
  end
end
if mine then return 1 end
return 0
"""

# Flood control, GCRA: one theoretical arrival time per user (`t`, ms on the bot's clock,
# sent by the caller so a test clock drives it) and whether the too-fast line was sent
# since the bucket was last full (`w`). KEYS: the user's hash; ARGV: now ms, interval ms,
# burst. Reply: 1 allowed | 2 refused, tell the user | 0 refused quietly.
FLOOD_LUA = """
local now, interval, burst = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local v = redis.call('HMGET', KEYS[1], 't', 'w')
local tat, told = tonumber(v[1]) or now, v[2]
if tat <= now then tat, told = now, false end
local reply
if tat + interval - now <= burst * interval then
  tat = tat + interval
  redis.call('HSET', KEYS[1], 't', string.format('%d', tat))
  if not told then redis.call('HDEL', KEYS[1], 'w') end
  reply = 1
elseif told then
  return 0
else
  redis.call('HSET', KEYS[1], 't', string.format('%d', tat), 'w', '1')
  reply = 2
end
redis.call('PEXPIRE', KEYS[1], math.ceil(tat - now) + 1000)
return reply
"""
