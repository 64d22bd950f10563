// rtl/apcb_check.sv — SIE's APCB mask check for one guest AP instruction.
//
// Source: ap-facility-spec.md §3.1 (CRYCB formats, APCB0/APCB1, mask widths, MSB-first bit
// order) and §3.2 (an APQN is valid for the guest iff APID in APM and APQI in AQM; ADM says
// which control domains a command-request may modify).  C++ reference: sc/apcb_check.h
// (apcb_check_ref); the two are held together by testbench/tests/rtl/test_apcb_check.cpp.
//
// Ports (widths in bits):
//   clk 1, rst_n 1 (synchronous, active low; clears the valid bits only)
//   req_valid 1        a request is presented this cycle (one-cycle pulse)
//   fmt 2              CRYCB format bits (crycbd & 3): 0 = format 0, 1 = format 1,
//                      3 = format 2; 2 is not a format -> everything denied
//   apid 8, apqi 8     the APQN of the instruction
//   cdom_check 1       the instruction also modifies control domain `cdom`
//   cdom 8             that control domain
//   apm_word 64        the stored 64-bit APM word that holds `apid`  (format 0/1: APCB0 apm;
//   aqm_word 64        the stored 64-bit AQM word that holds `apqi`   format 2: APCB1 word
//   adm_word 64        the stored 64-bit ADM word that holds `cdom`   id / 64)
//                      Bit for id i is word[63 - (i % 64)]: the MSB is the lowest id.
//   rsp_valid 1        the decision below is valid (a one-cycle pulse per request)
//   allow 1            APQN valid: APM bit and AQM bit set and both ids within the format's
//                      width (format 0/1: apid < 64, apqi < 16; format 2: any)
//   cdom_allow 1       cdom_check == 0, or ADM bit set and cdom within width (format 0/1:
//                      cdom < 16; format 2: any).  0 for the invalid format 2'b10.
//   reason 2           for the waves: 0 = allowed, 1 = APM/AQM bit clear,
//                      2 = invalid format or id beyond the format's width,
//                      3 = APQN allowed but control domain denied
//
// Pipeline, 2 cycles of latency (request presented before rising edge 1, decision on the
// outputs after rising edge 2; the wrapper sc/apcb_check_rtl.cpp counts these edges):
//   stage 1 (edge 1): register the request, select the three mask bits out of the words and
//                     compute the format/width checks -> s1_* registers
//   stage 2 (edge 2): combine the stage-1 bits into allow/cdom_allow/reason -> output
//                     registers, rsp_valid
// Throughput: one request per cycle (the stages are not stalled).
//
// Isolation assertion (compiled with verilator --assert): whenever stage 2 is about to grant
// an APQN, the raw APM/AQM words captured beside stage 1 have the APQN's bits set and both
// ids are within the format's width.

module apcb_check (
    input  logic        clk,
    input  logic        rst_n,
    input  logic        req_valid,
    input  logic [1:0]  fmt,
    input  logic [7:0]  apid,
    input  logic [7:0]  apqi,
    input  logic        cdom_check,
    input  logic [7:0]  cdom,
    input  logic [63:0] apm_word,
    input  logic [63:0] aqm_word,
    input  logic [63:0] adm_word,
    output logic        rsp_valid,
    output logic        allow,
    output logic        cdom_allow,
    output logic [1:0]  reason
);

  // ---- combinational: bit select and width checks on the request --------------------------
  // MSB-first: id i of a word is bit 63 - (i % 64) = ~i[5:0].
  logic fmt_ok, fmt2, apm_bit, aqm_bit, adm_bit, apid_in, apqi_in, cdom_in;
  always_comb begin
    fmt2    = (fmt == 2'b11);
    fmt_ok  = (fmt != 2'b10);
    apm_bit = apm_word[~apid[5:0]];
    aqm_bit = aqm_word[~apqi[5:0]];
    adm_bit = adm_word[~cdom[5:0]];
    apid_in = fmt2 || (apid[7:6] == 2'b00);   // format 0/1: APIDs 0..63
    apqi_in = fmt2 || (apqi[7:4] == 4'h0);    // format 0/1: APQIs 0..15
    cdom_in = fmt2 || (cdom[7:4] == 4'h0);    // format 0/1: control domains 0..15
  end

  // ---- stage 1 ------------------------------------------------------------------------------
  logic       s1_valid      /*verilator public_flat_rd*/;
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
      s1_fmt        <= fmt;
      s1_apid       <= apid;
      s1_apqi       <= apqi;
      s1_fmt_ok     <= fmt_ok;
      s1_apm_bit    <= apm_bit;
      s1_aqm_bit    <= aqm_bit;
      s1_ids_in     <= apid_in && apqi_in;
      s1_cdom_check <= cdom_check;
      s1_cdom_ok    <= adm_bit && cdom_in;
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
  // ---- isolation check, independent of the stage-1 bit select ---------------------------------
  // Raw copies of the APM/AQM words travel beside stage 1; the grant is re-derived from them.
  logic [63:0] chk_apm_word, chk_aqm_word;
  always_ff @(posedge clk) begin
    if (req_valid) begin
      chk_apm_word <= apm_word;
      chk_aqm_word <= aqm_word;
    end
  end

  always_ff @(posedge clk) begin
    if (rst_n && s1_valid && allow_d) begin
      assert (s1_fmt != 2'b10
              && chk_apm_word[63 - {26'd0, s1_apid[5:0]}]
              && chk_aqm_word[63 - {26'd0, s1_apqi[5:0]}]
              && (s1_fmt == 2'b11 || (s1_apid < 8'd64 && s1_apqi < 8'd16)))
        else $error("apcb_check: isolation violated: APQN %02x.%04x granted, fmt %0d",
                    s1_apid, {8'h00, s1_apqi}, s1_fmt);
    end
  end
`endif

endmodule
