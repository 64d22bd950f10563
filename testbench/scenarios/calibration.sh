# apsim: --lpar calibration.json
# The figures docs/calibration.md quotes, each next to the public figure it is held against.
#
# 1. IBM's zEC12 figures (about 4,400 SSL handshakes/s per CEX4A, about 2,250/s per CEX4C),
#    read as RSA-1024 CRT private-key operations: enough requests in flight to keep the one
#    engine busy, so throughput = 1 / service time (5.4 us per rating unit: 42 and 83 units).
apbench --apqn 04.0001 --op crt-1024 --requests 2000 --inflight 8
apbench --apqn 05.0001 --op crt-1024 --requests 2000 --inflight 8
# 2. Modular exponentiation priced by its exponent (firmware/service_time.h 2.): on a CEX7A
#    e = 65537 costs the MEX_2k rating (8 units), a full-length d about 3 x CRT_2k (162).
apbench --apqn 07.0001 --op mex-2048 --exponent public --requests 400 --inflight 8
apbench --apqn 07.0001 --op mex-2048 --requests 100 --inflight 8
# 3. Variance: CRT-2048 is gamma-distributed (cv 0.3) in this LPAR, so a closed loop's p50 and
#    p99 differ; the same workload on a card with 4 engines instead of 1.
apbench --apqn 07.0001 --op crt-2048 --requests 1000 --inflight 4
apbench --apqn 08.0001 --op crt-2048 --requests 1000 --inflight 4
