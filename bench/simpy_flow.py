"""SimPy baseline for BENCHMARKS.md: the 4-message flow

    A->>B: call
    B->>C: query
    C-->>B: rows
    B-->>A: done

simulated N times with log-normal latencies (median 20ms, p99 100ms), each
run a SimPy process in one environment, recording end-to-end times. This is
what choreo's BenchmarkSimulateFourMessages does, so both print runs/s for
the same work. Needs SimPy 3 (Debian: python3-simpy3):

    /usr/bin/python3 bench/simpy_flow.py [N]
"""
import json
import math
import random
import sys
import time

import simpy

N = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
MU = math.log(0.020)
SIGMA = (math.log(0.100) - MU) / 2.3263478740408408


def run(env, rng, out):
    start = env.now
    for _ in range(4):
        yield env.timeout(rng.lognormvariate(MU, SIGMA))
    out.append(env.now - start)


def main():
    rng = random.Random(1)
    env = simpy.Environment()
    out = []
    t0 = time.perf_counter()
    for _ in range(N):
        env.process(run(env, rng, out))
        env.run()
    dt = time.perf_counter() - t0
    out.sort()
    print(json.dumps({"runs": N, "seconds": dt, "runs_per_s": N / dt,
                      "p50_ms": out[N // 2] * 1e3, "p99_ms": out[int(N * 0.99)] * 1e3}))


if __name__ == "__main__":
    main()
