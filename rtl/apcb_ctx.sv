// rtl/apcb_ctx.sv — one double-buffered APCB context of the mask check (rtl/apcb_check.sv).
//
// Holds the APCB of one guest configuration twice (ap-facility-spec.md §3.1: the CRYCB format
// and the 256-bit APM, AQM and ADM, MSB-first: id i is bit 255 - i):
//   shadow: written one 64-bit word at a time by the load port (the SIE unit copying the
//           CRYCB out of storage, sc/sie.cpp); never read by a check;
//   active: what every check of this context reads; written only by a commit, which copies
//           the whole shadow APCB (format and all three masks) on one clock edge.
// Reset (synchronous, rst_n low): format 2'b10 (not a format: no APCB, everything denied)
// and empty masks, in both copies.
//
// Ports (widths in bits):
//   clk 1, rst_n 1
//   load_valid 1   write load_data into the shadow: load_sel 0 = APM, 1 = AQM, 2 = ADM
//   load_sel 2     (word load_word: 0 = ids 0..63 = bits 255..192), 3 = format
//   load_word 2    (load_data[1:0])
//   load_data 64
//   commit_valid 1 shadow -> active on this edge; a word loaded on the same edge is not part
//                  of it (the commit copies the shadow as it was before the edge)
//   act_fmt 2, act_apm 256, act_aqm 256, act_adm 256   the active APCB
// Latency: a load takes effect in the shadow after 1 edge, a commit in the active copy after
// 1 edge.  Properties (atomic commit) in rtl/formal/apcb_ctx_props.svh, proven by yosys and
// checked in simulation.

module apcb_ctx (
    input  logic         clk,
    input  logic         rst_n,
    input  logic         load_valid,
    input  logic [1:0]   load_sel,
    input  logic [1:0]   load_word,
    input  logic [63:0]  load_data,
    input  logic         commit_valid,
    output logic [1:0]   act_fmt,
    output logic [255:0] act_apm,
    output logic [255:0] act_aqm,
    output logic [255:0] act_adm
);

  localparam logic [1:0] FMT_NONE = 2'b10;  // not a format: no APCB, deny everything

  logic [1:0]   sh_fmt;
  logic [255:0] sh_apm, sh_aqm, sh_adm;

  // ---- load port -> shadow (one 64-bit word per edge) ---------------------------------------
  always_ff @(posedge clk) begin
    if (!rst_n) begin
      sh_fmt <= FMT_NONE;
      sh_apm <= '0;
      sh_aqm <= '0;
      sh_adm <= '0;
    end else if (load_valid) begin
      if (load_sel == 2'd3) sh_fmt <= load_data[1:0];
      for (int w = 0; w < 4; w = w + 1) begin
        // word w holds ids 64w..64w+63: bits 255-64w downto 192-64w
        if (load_word == 2'(w)) begin
          if (load_sel == 2'd0) sh_apm[(3 - w)*64 +: 64] <= load_data;
          if (load_sel == 2'd1) sh_aqm[(3 - w)*64 +: 64] <= load_data;
          if (load_sel == 2'd2) sh_adm[(3 - w)*64 +: 64] <= load_data;
        end
      end
    end
  end

  // ---- commit: shadow -> active, the whole APCB on one edge ---------------------------------
`ifdef APCB_CHECK_MUTANT_HALF_COMMIT
  // Formal negative test only (testbench/tests/formal): the AQM, ADM and format follow one
  // cycle after the APM, so for one cycle a check would see half a new APCB.
  logic commit_late;
  always_ff @(posedge clk) commit_late <= rst_n && commit_valid;
`else
  wire commit_late = commit_valid;
`endif
  always_ff @(posedge clk) begin
    if (!rst_n) begin
      act_fmt <= FMT_NONE;
      act_apm <= '0;
      act_aqm <= '0;
      act_adm <= '0;
    end else begin
      if (commit_valid) act_apm <= sh_apm;
      if (commit_late) begin
        act_aqm <= sh_aqm;
        act_adm <= sh_adm;
        act_fmt <= sh_fmt;
      end
    end
  end

`ifndef SYNTHESIS
  `include "formal/apcb_ctx_props.svh"
`endif

endmodule
