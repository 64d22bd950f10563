// rtl/apcb_check.sv — SIE's APCB mask check, with double-buffered APCB registers per guest
// configuration.
//
// Source: ap-facility-spec.md §3.1 (CRYCB formats, APCB0/APCB1, mask widths, MSB-first bit
// order; kvm_arch_crypto_set_masks writes the masks with every vCPU blocked) and §3.2 (an
// APQN is valid for the guest iff APID in APM and APQI in AQM; ADM says which control
// domains a command-request may modify).  C++ reference: sc/apcb_check_ref.cpp (ApcbCheckRef);
// the two are held together by testbench/tests/rtl/test_apcb_check.cpp, and the isolation
// properties of rtl/formal/apcb_check_props.svh and apcb_ctx_props.svh are proven for all
// inputs by yosys (testbench/tests/formal/) and checked in every simulation (verilator
// --assert).  The APCB_CHECK_MUTANT_* macros build deliberately broken variants for the
// formal negative tests only; nothing else defines them.
//
// Registers.  NCTX = 4 APCB contexts (rtl/apcb_ctx.sv), one per resident guest configuration
// (the SIE unit, sc/sie.cpp, maps a CRYCB designation to a context).  Each context has
//   shadow: fmt 2 bits, APM/AQM/ADM 256 bits each — written by the load port, never read by
//           a check;
//   active: the same — read by every check, written only by a commit, all of it at once.
// A 256-bit mask is held MSB-first as in storage: id i is bit 255 - i; word w of the CRYCB
// (ids 64w..64w+63) is bits 255-64w downto 192-64w.  After reset every fmt is 2'b10 (no
// APCB: everything denied) and every mask is empty.
//
// Ports (widths in bits):
//   clk 1, rst_n 1 (synchronous, active low)
//   load_valid 1, load_ctx 2, load_sel 2, load_word 2, load_data 64
//        write one 64-bit word into the SHADOW registers of context load_ctx: load_sel 0 =
//        APM, 1 = AQM, 2 = ADM (word load_word, 0 = ids 0..63), 3 = format (load_data[1:0]).
//   commit_valid 1, commit_ctx 2
//        copy the whole shadow APCB of commit_ctx (fmt, APM, AQM, ADM) into its active
//        registers on one clock edge.  A word loaded on the same edge is not part of it.
//   req_valid 1        a check is presented this cycle (one-cycle pulse)
//   req_ctx 2          the APCB context of the guest executing the instruction
//   apid 8, apqi 8     the APQN of the instruction
//   cdom_check 1       the instruction also modifies control domain `cdom`
//   cdom 8             that control domain
//   rsp_valid 1        the decision below is valid (a one-cycle pulse per request)
//   allow 1            APQN valid: active fmt is a format, APM bit and AQM bit set and both
//                      ids within the format's width (format 0/1: apid < 64, apqi < 16;
//                      format 2: any)
//   cdom_allow 1       format valid and (cdom_check == 0, or ADM bit set and cdom within
//                      the width: format 0/1 cdom < 16, format 2 any)
//   reason 2           for the waves: 0 = allowed, 1 = APM/AQM bit clear,
//                      2 = invalid format or id beyond the format's width,
//                      3 = APQN allowed but control domain denied
//
// Pipeline, 2 cycles of latency (request presented before rising edge 1, decision on the
// outputs after rising edge 2; the wrapper sc/apcb_check_rtl.cpp counts these edges):
//   stage 1 (edge 1): register the request and select the three mask bits and the format of
//                     the ACTIVE registers of req_ctx, compute the width checks -> s1_*
//   stage 2 (edge 2): combine the stage-1 bits into allow/cdom_allow/reason -> outputs
// Throughput: one request per cycle.  The cost of a check is 2 cycles whatever the masks
// hold: a bit select out of a fixed-size register file, nothing scans the configuration.
// Load: 1 cycle per word; commit: 1 cycle.
//
// Swap point: a commit sampled on rising edge e makes the new APCB active after e.  A request
// sampled on edge e (stage 1) sees the APCB that was active before e — the old one if e is
// also the commit's edge; requests sampled from edge e+1 on see the new one.  Because a
// commit copies fmt and all three masks on the same edge, and a check reads only the active
// registers, no check ever sees part of an old and part of a new APCB (proven, see
// rtl/formal/).  KVM's protocol (driver/kvm.cpp: block the vCPUs, rewrite the CRYCB,
// notify, unblock) ends with the SIE unit loading the shadow from the CRYCB and committing.

module apcb_check (
    input  logic        clk,
    input  logic        rst_n,
    input  logic        load_valid,
    input  logic [1:0]  load_ctx,
    input  logic [1:0]  load_sel,
    input  logic [1:0]  load_word,
    input  logic [63:0] load_data,
    input  logic        commit_valid,
    input  logic [1:0]  commit_ctx,
    input  logic        req_valid,
    input  logic [1:0]  req_ctx,
    input  logic [7:0]  apid,
    input  logic [7:0]  apqi,
    input  logic        cdom_check,
    input  logic [7:0]  cdom,
    output logic        rsp_valid,
    output logic        allow,
    output logic        cdom_allow,
    output logic [1:0]  reason
);

  localparam int NCTX = 4;                   // APCB contexts (2-bit context ports)
  localparam logic [1:0] FMT_NONE = 2'b10;   // not a format: no APCB, deny everything

  // ---- APCB contexts: shadow + active each (rtl/apcb_ctx.sv) --------------------------------
  // The active APCBs of all contexts, context c at [c*256 +: 256] / [c*2 +: 2]; readable by
  // the wrapper (QCI under interpretation and tests read the active APCB back).
  logic [NCTX*256-1:0] act_apm  /*verilator public_flat_rd*/;
  logic [NCTX*256-1:0] act_aqm  /*verilator public_flat_rd*/;
  logic [NCTX*256-1:0] act_adm  /*verilator public_flat_rd*/;
  logic [NCTX*2-1:0]   act_fmt  /*verilator public_flat_rd*/;

  for (genvar c = 0; c < NCTX; c = c + 1) begin : g_ctx
    apcb_ctx u_ctx (
        .clk          (clk),
        .rst_n        (rst_n),
        .load_valid   (load_valid && load_ctx == 2'(c)),
        .load_sel     (load_sel),
        .load_word    (load_word),
        .load_data    (load_data),
        .commit_valid (commit_valid && commit_ctx == 2'(c)),
        .act_fmt      (act_fmt[c*2 +: 2]),
        .act_apm      (act_apm[c*256 +: 256]),
        .act_aqm      (act_aqm[c*256 +: 256]),
        .act_adm      (act_adm[c*256 +: 256])
    );
  end

  // ---- combinational: bit select and width checks on the request --------------------------
  // The active APCB of req_ctx (a 4:1 select per bit), then the bit of each id: MSB-first, id i
  // of a 256-bit mask is bit 255 - i = ~i.
  logic [255:0] c_apm, c_aqm, c_adm;
  logic [1:0]   fmt;
  always_comb begin
    case (req_ctx)
      2'd0:    begin c_apm = act_apm[0*256 +: 256]; c_aqm = act_aqm[0*256 +: 256]; c_adm = act_adm[0*256 +: 256]; fmt = act_fmt[1:0]; end
      2'd1:    begin c_apm = act_apm[1*256 +: 256]; c_aqm = act_aqm[1*256 +: 256]; c_adm = act_adm[1*256 +: 256]; fmt = act_fmt[3:2]; end
      2'd2:    begin c_apm = act_apm[2*256 +: 256]; c_aqm = act_aqm[2*256 +: 256]; c_adm = act_adm[2*256 +: 256]; fmt = act_fmt[5:4]; end
      default: begin c_apm = act_apm[3*256 +: 256]; c_aqm = act_aqm[3*256 +: 256]; c_adm = act_adm[3*256 +: 256]; fmt = act_fmt[7:6]; end
    endcase
  end
  logic fmt_ok, fmt2, apm_bit, aqm_bit, adm_bit, apid_in, apqi_in, cdom_in;
  always_comb begin
    fmt2    = (fmt == 2'b11);
    fmt_ok  = (fmt != FMT_NONE);
    apm_bit = c_apm[~apid];
    aqm_bit = c_aqm[~apqi];
    adm_bit = c_adm[~cdom];
`ifdef APCB_CHECK_MUTANT_WIDTH
    apid_in = 1'b1;                           // formal negative test only: no APID width check
`else
    apid_in = fmt2 || (apid[7:6] == 2'b00);   // format 0/1: APIDs 0..63
`endif
    apqi_in = fmt2 || (apqi[7:4] == 4'h0);    // format 0/1: APQIs 0..15
    cdom_in = fmt2 || (cdom[7:4] == 4'h0);    // format 0/1: control domains 0..15
  end

  // ---- stage 1 ------------------------------------------------------------------------------
  logic       s1_valid      /*verilator public_flat_rd*/;
  logic [1:0] s1_ctx        /*verilator public_flat_rd*/;
  logic [1:0] s1_fmt        /*verilator public_flat_rd*/;
  logic [7:0] s1_apid       /*verilator public_flat_rd*/;
  logic [7:0] s1_apqi       /*verilator public_flat_rd*/;
  logic       s1_fmt_ok     /*verilator public_flat_rd*/;
  logic       s1_apm_bit    /*verilator public_flat_rd*/;
  logic       s1_aqm_bit    /*verilator public_flat_rd*/;
  logic       s1_ids_in     /*verilator public_flat_rd*/;  // apid and apqi within width
  logic       s1_cdom_check /*verilator public_flat_rd*/;
  logic       s1_cdom_ok    /*verilator public_flat_rd*/;  // ADM bit set and cdom within width

  always_ff @(posedge clk) begin
    if (!rst_n) s1_valid <= 1'b0;
    else        s1_valid <= req_valid;
    if (req_valid) begin  // hold the last request between requests (quiet waves)
      s1_ctx        <= req_ctx;
      s1_fmt        <= fmt;
      s1_apid       <= apid;
      s1_apqi       <= apqi;
      s1_fmt_ok     <= fmt_ok;
      s1_apm_bit    <= apm_bit;
      s1_aqm_bit    <= aqm_bit;
      s1_ids_in     <= apid_in && apqi_in;
      s1_cdom_check <= cdom_check;
`ifdef APCB_CHECK_MUTANT_CDOM
      s1_cdom_ok    <= cdom_in;               // formal negative test only: ADM ignored
`else
      s1_cdom_ok    <= adm_bit && cdom_in;
`endif
    end
  end

  // ---- stage 2 ------------------------------------------------------------------------------
  logic       allow_d, cdom_allow_d;
  logic [1:0] reason_d;
  always_comb begin
    allow_d      = s1_fmt_ok && s1_ids_in && s1_apm_bit && s1_aqm_bit;
    cdom_allow_d = s1_fmt_ok && (!s1_cdom_check || s1_cdom_ok);
    if (!s1_fmt_ok || !s1_ids_in)          reason_d = 2'd2;
    else if (!s1_apm_bit || !s1_aqm_bit)   reason_d = 2'd1;
    else if (!cdom_allow_d)                reason_d = 2'd3;
    else                                   reason_d = 2'd0;
  end

  always_ff @(posedge clk) begin
    if (!rst_n) rsp_valid <= 1'b0;
    else        rsp_valid <= s1_valid;
    if (s1_valid) begin
      allow      <= allow_d;
      cdom_allow <= cdom_allow_d;
      reason     <= reason_d;
    end
  end

`ifndef SYNTHESIS
  // Isolation and atomic-commit properties: checked in simulation (verilator --assert) and
  // proven for all inputs and all reachable states by yosys (read_verilog -formal defines
  // FORMAL instead of SYNTHESIS, so it reads the same text).
  `include "formal/apcb_check_props.svh"
`endif

endmodule
