# testbench/cli/vcd_values.awk — a VCD as "TIME NAME VALUE" lines, one per value written
# ($dumpvars included), NAME the signal's hierarchical name without the top scope
# ("cpu.cpu0.state"), VALUE as written ("b101", "1", "r0.5").  For the tests that compare
# VCDs (check_vcd_window.sh).
BEGIN { t = 0 }
$1 == "$scope" { path = path "." $3; next }
$1 == "$upscope" { sub(/\.[^.]*$/, "", path); next }
$1 == "$var" { n = path "." $5; sub(/^\.[^.]*\./, "", n); name[$4] = n; next }
/^#[0-9]+$/ { t = substr($0, 2); next }
/^[br]/ && ($2 in name) { print t, name[$2], $1; next }
/^[01xzXZ]/ { id = substr($0, 2); if (id in name) print t, name[id], substr($0, 1, 1) }
