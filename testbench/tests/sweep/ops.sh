# apsim: --lpar ops-lpar.json
# apbench's operations end to end (check_ops.cmake): CCA secure-key signatures (an OpenSSL
# key imported into each domain, every signature equal to OpenSSL's), EP11 key pairs and
# SignSingle (verified by OpenSSL), random numbers from CCA and EP11, RSA on an accelerator,
# and what apbench refuses.
apbench --apqns 03.0001,03.0002 --op cca-seckey --requests 24 --inflight 4 --stages
apbench --apqns 04.0001,04.0002 --op ep11-seckey --requests 12 --inflight 2
apbench --apqns 03.0001,04.0002 --op rng --requests 10 --inflight 2 --mode polling
apbench --apqn 05.0001 --op crt-4096 --requests 6 --inflight 3
apbench --apqn 05.0001 --op cca-seckey
apbench --apqns 5 --op ep11-seckey
apbench --apqn 03.0001 --guests guest1
