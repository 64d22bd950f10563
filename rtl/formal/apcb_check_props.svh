// rtl/formal/apcb_check_props.svh — the isolation properties of rtl/apcb_check.sv.
//
// Included into the module body of apcb_check (it reads the module's registers), outside
// SYNTHESIS: Verilator (--assert) checks these immediate assertions in every simulation, and
// yosys proves them for all input sequences (read_verilog -formal; sat -tempinduct, see
// testbench/tests/formal/CMakeLists.txt).  Source of the properties: ap-facility-spec.md
// §3.1 (format widths: format 0/1 APIDs 0–63, APQIs and control domains 0–15; format 2 all
// 256) and §3.2 (APQN valid iff APID in APM and APQI in AQM; ADM = the control domains a
// request may modify).
//
//   P0 every request is answered exactly 2 cycles later, and nothing else is answered;
//   P1 isolation: a grant (allow) implies that, in the APCB active in the request's context
//      at the edge that sampled the request, the format is valid, APM[apid] and AQM[apqi]
//      are set and both ids are within the format's width;
//   P2 control domains: a request that modifies control domain cdom is let through
//      (cdom_allow) only if ADM[cdom] is set and cdom is within the format's width;
//   P3 exactness: allow and cdom_allow are exactly those conditions (no false denial);
// P4 (atomic commit of a context's APCB) lives with the registers: rtl/formal/apcb_ctx_props.svh.
// The decision proof treats the active registers as free inputs in every cycle (a yosys
// cutpoint), so P0–P3 hold whatever the contexts hold; P4 is proven on apcb_ctx alone.
//
// The reference decision is derived from the active registers by a different construction
// than the pipeline's (AND-OR over one-hot contexts and a one-hot id mask with OR-reduction
// instead of a case select and an indexed bit select; comparisons instead of bit slices) and
// travels beside the pipeline (f1_*, f2_*).

  // ---- proof set-up (yosys only): arbitrary power-on state, reset in the first cycle -------
`ifdef FORMAL
  logic f_init = 1'b1;
  always_ff @(posedge clk) f_init <= 1'b0;
  always_comb if (f_init) assume (!rst_n);
`else
  wire f_init = 1'b0;
`endif

  // ---- reference decision at the sampling edge ------------------------------------------
  logic [255:0] f_apm_c, f_aqm_c, f_adm_c;
  logic [1:0]   f_fmt_c;
  logic         f_apm, f_aqm, f_adm, f_fmt_ok, f_within, f_cdom_within;
  always_comb begin
    f_apm_c = '0;
    f_aqm_c = '0;
    f_adm_c = '0;
    f_fmt_c = '0;
    for (int c = 0; c < NCTX; c = c + 1) begin  // AND-OR over one-hot contexts
      f_apm_c = f_apm_c | (act_apm[c*256 +: 256] & {256{req_ctx == 2'(c)}});
      f_aqm_c = f_aqm_c | (act_aqm[c*256 +: 256] & {256{req_ctx == 2'(c)}});
      f_adm_c = f_adm_c | (act_adm[c*256 +: 256] & {256{req_ctx == 2'(c)}});
      f_fmt_c = f_fmt_c | (act_fmt[c*2 +: 2] & {2{req_ctx == 2'(c)}});
    end
    f_apm         = |(f_apm_c & (256'd1 << (8'd255 - apid)));  // one-hot id, OR-reduced
    f_aqm         = |(f_aqm_c & (256'd1 << (8'd255 - apqi)));
    f_adm         = |(f_adm_c & (256'd1 << (8'd255 - cdom)));
    f_fmt_ok      = f_fmt_c == 2'd0 || f_fmt_c == 2'd1 || f_fmt_c == 2'd3;
    f_within      = f_fmt_c == 2'd3 || (apid < 8'd64 && apqi < 8'd16);
    f_cdom_within = f_fmt_c == 2'd3 || cdom < 8'd16;
  end

  logic f1_valid, f1_apm, f1_aqm, f1_adm, f1_fmt_ok, f1_within, f1_cdom_check, f1_cdom_within;
  logic f2_valid, f2_apm, f2_aqm, f2_adm, f2_fmt_ok, f2_within, f2_cdom_check, f2_cdom_within;
  always_ff @(posedge clk) begin
    f1_valid <= rst_n && req_valid;
    if (req_valid) begin
      f1_apm         <= f_apm;
      f1_aqm         <= f_aqm;
      f1_adm         <= f_adm;
      f1_fmt_ok      <= f_fmt_ok;
      f1_within      <= f_within;
      f1_cdom_check  <= cdom_check;
      f1_cdom_within <= f_cdom_within;
    end
    f2_valid <= rst_n && f1_valid;
    if (f1_valid) begin
      f2_apm         <= f1_apm;
      f2_aqm         <= f1_aqm;
      f2_adm         <= f1_adm;
      f2_fmt_ok      <= f1_fmt_ok;
      f2_within      <= f1_within;
      f2_cdom_check  <= f1_cdom_check;
      f2_cdom_within <= f1_cdom_within;
    end
  end

  logic f_grant, f_cdom_ok;
  always_comb begin
    f_grant   = f2_fmt_ok && f2_within && f2_apm && f2_aqm;
    f_cdom_ok = f2_fmt_ok && (!f2_cdom_check || (f2_adm && f2_cdom_within));
    // P0
    if (!f_init) assert (rsp_valid == f2_valid);
    if (!f_init && rsp_valid) begin
      // P1
      if (allow) assert (f2_fmt_ok && f2_apm && f2_aqm && f2_within);
      // P2
      if (f2_cdom_check && cdom_allow) assert (f2_fmt_ok && f2_adm && f2_cdom_within);
      // P3
      assert (allow == f_grant && cdom_allow == f_cdom_ok);
    end
  end
