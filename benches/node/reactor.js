// The Node side of `cargo bench --bench reactor`: the same three workloads as
// benches/reactor.rs. Prints one JSON line: { immediates_per_s, ticks_per_s, timers_wall_s }.
'use strict';

const N_IMMEDIATES = 1_000_000;
const N_TICKS = 1_000_000;
const N_TIMERS = 100_000;

function now() {
  return Number(process.hrtime.bigint()) / 1e9;
}

function immediates(done) {
  let n = 0;
  const t0 = now();
  function step() {
    if (++n < N_IMMEDIATES) setImmediate(step);
    else done(N_IMMEDIATES / (now() - t0));
  }
  setImmediate(step);
}

function ticks(done) {
  let n = 0;
  const t0 = now();
  function step() {
    if (++n < N_TICKS) process.nextTick(step);
    else setImmediate(() => done(N_TICKS / (now() - t0)));
  }
  process.nextTick(step);
}

function timers(done) {
  let left = N_TIMERS;
  const t0 = now();
  const fire = () => {
    if (--left === 0) done(now() - t0);
  };
  for (let i = 0; i < N_TIMERS; i++) setTimeout(fire, i % 1000);
}

immediates((immediatesPerS) => {
  ticks((ticksPerS) => {
    timers((timersWallS) => {
      console.log(JSON.stringify({
        immediates_per_s: immediatesPerS,
        ticks_per_s: ticksPerS,
        timers_wall_s: timersWallS,
      }));
    });
  });
});
