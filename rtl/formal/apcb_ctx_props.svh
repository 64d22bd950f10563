// rtl/formal/apcb_ctx_props.svh — atomic-commit property of one APCB context (rtl/apcb_ctx.sv).
//
// Included into the module body of apcb_ctx outside SYNTHESIS: Verilator (--assert) checks it
// in every simulation and yosys proves it for all input sequences from any power-on state
// followed by a reset cycle (testbench/tests/formal/).  Source: ap-facility-spec.md §3.1
// (kvm_arch_crypto_set_masks rewrites APM, AQM and ADM with every vCPU blocked: the guest must
// see the old APCB or the new one, never a mix).
//
//   P4 the active APCB (format and all three masks) changes only on a commit, and then
//      becomes exactly the shadow APCB as it was before that edge; after a reset cycle it is
//      "no APCB" (format 2'b10, empty masks).
// With rtl/formal/apcb_check_props.svh (decisions read only the active copy, P1–P3) this
// means that no check ever sees part of an old and part of a new APCB.

`ifdef FORMAL
  // Proof set-up: arbitrary power-on state, reset in the first cycle.
  logic f_init = 1'b1;
  always_ff @(posedge clk) f_init <= 1'b0;
  always_comb if (f_init) assume (!rst_n);
`else
  logic f_init = 1'b1;  // simulation: the first cycle has no previous state to compare with
  always_ff @(posedge clk) f_init <= 1'b0;
`endif

  // f_exp_*: what the active APCB must hold — written directly by the property's own words:
  // the reset value after a reset cycle, the whole shadow after a commit, else unchanged.
  // Only a commit copies (no per-cycle copy of the registers), every cycle compares.
  logic [1:0]   f_exp_fmt;
  logic [255:0] f_exp_apm, f_exp_aqm, f_exp_adm;
  always_ff @(posedge clk) begin
    if (!rst_n) begin
      f_exp_fmt <= FMT_NONE;
      f_exp_apm <= '0;
      f_exp_aqm <= '0;
      f_exp_adm <= '0;
    end else if (commit_valid) begin
      f_exp_fmt <= sh_fmt;
      f_exp_apm <= sh_apm;
      f_exp_aqm <= sh_aqm;
      f_exp_adm <= sh_adm;
    end
  end

  always_comb begin
`ifndef APCB_FORMAL_NO_P4
    if (!f_init)
      assert (act_fmt == f_exp_fmt && act_apm == f_exp_apm && act_aqm == f_exp_aqm && act_adm == f_exp_adm);
`endif
  end
