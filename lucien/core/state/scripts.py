"""The Lua procedures every update runs: one round trip to begin it, one to finish it
(and the flood-control check, batched with them).

aiogram's RedisStorage + RedisEventIsolation spend several round trips per update (lock
script, state GET, data GET, unlock script, each SET). These two do the same work in
two: claim the update and take the user's lock with the state read, then write the
buffered state, release the lock and mark the update done. Locks and claims are leases
that the replica renews while it works (`RENEW_LUA`), so they die with it. Each is written as a script
of its own would be (KEYS, ARGV, a return value); `lucien.core.redis_batch` runs them,
with whatever else the event loop's turn asked of Redis, in one script call.
"""

from __future__ import annotations

# The update's claim ("dedup mark") says where the update stands:
#   d              handled (kept DEDUP_TTL)
#   p<n>:<token>   in progress on the replica holding <token>, a lease it keeps renewing
#                  (RENEW_LUA); n earlier attempts failed transiently
#   r<n>           n attempts failed before any effect: a redelivery is handled again
# A lease dies with its replica: once it lapses, the redelivery is handled elsewhere.

# Refuse a duplicate update, else take the user's lock and return state and data together.
# KEYS: lock, state, data[, claim]; ARGV: token, lock ms, claim ms.
# Reply: {-1} handled | {-2, claim pttl} in progress elsewhere | {1, state, data, tries}
# locked | {0, lock pttl} the user's lock is held elsewhere.
ACQUIRE_LUA = """
local tries = 0
if #KEYS > 3 then
  local seen = redis.call('GET', KEYS[4])
  if seen then
    local kind = string.sub(seen, 1, 1)
    if kind == 'p' then return {-2, redis.call('PTTL', KEYS[4])} end
    if kind ~= 'r' then return {-1} end
    tries = tonumber(string.sub(seen, 2)) or 0
  end
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  if #KEYS > 3 then
    redis.call('SET', KEYS[4], 'p' .. tries .. ':' .. ARGV[1], 'PX', ARGV[3])
  end
  return {1, redis.call('GET', KEYS[2]), redis.call('GET', KEYS[3]), tries}
end
return {0, redis.call('PTTL', KEYS[1])}
"""

# The claim alone, for an update without a user (a channel post, a poll).
# KEYS: claim; ARGV: token, claim ms. Reply as ACQUIRE_LUA's: {-1} | {-2, pttl} | {1, tries}.
CLAIM_LUA = """
local tries = 0
local seen = redis.call('GET', KEYS[1])
if seen then
  local kind = string.sub(seen, 1, 1)
  if kind == 'p' then return {-2, redis.call('PTTL', KEYS[1])} end
  if kind ~= 'r' then return {-1} end
  tries = tonumber(string.sub(seen, 2)) or 0
end
redis.call('SET', KEYS[1], 'p' .. tries .. ':' .. ARGV[1], 'PX', ARGV[2])
return {1, tries}
"""

# Write buffered state/data, release the lock if still ours, and settle the update's
# claim: 'done' marks it handled; 'abort' drops our claim (a redelivery is handled);
# 'retry' records one more failed attempt (`tries`) for a redelivery to be handled.
# KEYS: lock, state, data[, claim] (or only a claim, with an empty lock key list: see
# a claim taken without the lock); ARGV: lock token, state op, state, data op, data,
# claim op, claim ms, tries, claim token (when not the lock's).
# Reply: 1 when the lock was still ours.
RELEASE_LUA = """
local claim = nil
local mine = false
if #KEYS == 1 then
  claim = KEYS[1]
else
  mine = redis.call('GET', KEYS[1]) == ARGV[1]
  if mine then redis.call('DEL', KEYS[1]) end
  if ARGV[2] == 'set' then redis.call('SET', KEYS[2], ARGV[3])
  elseif ARGV[2] == 'del' then redis.call('DEL', KEYS[2]) end
  if ARGV[4] == 'set' then redis.call('SET', KEYS[3], ARGV[5])
  elseif ARGV[4] == 'del' then redis.call('DEL', KEYS[3]) end
  if #KEYS > 3 then claim = KEYS[4] end
end
if claim then
  if ARGV[6] == 'done' then
    redis.call('SET', claim, 'd', 'PX', ARGV[7])
  elseif ARGV[6] ~= '' then
    local cur = redis.call('GET', claim)
    local suffix = ':' .. (ARGV[9] or ARGV[1])
    if cur and string.sub(cur, 1, 1) == 'p' and string.sub(cur, -#suffix) == suffix then
      if ARGV[6] == 'retry' then redis.call('SET', claim, 'r' .. ARGV[8], 'PX', ARGV[7])
      else redis.call('DEL', claim) end
    end
  end
end
if mine then return 1 end
return 0
"""

# Keep this replica's leases alive: every key whose value is the token (a user's lock) or
# ends with ':' and the token (an update's claim) gets `ms` more.
# KEYS: the leased keys; ARGV: lease ms, then one token per key.
# Reply: the number of keys still ours (fewer means a lease lapsed and was taken over).
RENEW_LUA = """
local n = 0
for i, key in ipairs(KEYS) do
  local token = ARGV[i + 1]
  local cur = redis.call('GET', key)
  if cur and (cur == token or string.sub(cur, -#token - 1) == ':' .. token) then
    redis.call('PEXPIRE', key, ARGV[1])
    n = n + 1
  end
end
return n
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
