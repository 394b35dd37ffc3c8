* Floating output stage: the edge current leaves src and enters des (KCL exactly as in the model).
*
* Schematic: the two branch currents I1 (into pfet LV-cascode diode dl) and I2 (diode dr) are copied four
* times: I1 sourced into des and into the nfet diode nl; I2 sourced into src and into the nfet diode nr;
* nl's copy sinks I1 from src, nr's copy sinks I2 from des. Every device that touches src or des is behind
* a cascode (vbpc / vbnc).
* Bias: all copies 1:1 at one density; nodes src/des stay within V_CM +- swing, inside every cascode's range.
* Transfer: I(into des) = I1 - I2 = I(out of src); the difference of the two measured currents is the KCL
* error the fidelity report lists.
.subckt kn_output_stage src des dl dr vdd vss vbnc vbpc
XPL plm dl vdd vdd {{pfet}} w={{PL.w}} l={{PL.l}} nf={{PL.nf}}
XPLC dl vbpc plm vdd {{pfet}} w={{PLC.w}} l={{PLC.l}} nf={{PLC.nf}}
XPR prm dr vdd vdd {{pfet}} w={{PR.w}} l={{PR.l}} nf={{PR.nf}}
XPRC dr vbpc prm vdd {{pfet}} w={{PRC.w}} l={{PRC.l}} nf={{PRC.nf}}
XPLO plom dl vdd vdd {{pfet}} w={{PLO.w}} l={{PLO.l}} nf={{PLO.nf}}
XPLOC des vbpc plom vdd {{pfet}} w={{PLOC.w}} l={{PLOC.l}} nf={{PLOC.nf}}
XPLN plnm dl vdd vdd {{pfet}} w={{PLN.w}} l={{PLN.l}} nf={{PLN.nf}}
XPLNC nl vbpc plnm vdd {{pfet}} w={{PLNC.w}} l={{PLNC.l}} nf={{PLNC.nf}}
XPRO prom dr vdd vdd {{pfet}} w={{PRO.w}} l={{PRO.l}} nf={{PRO.nf}}
XPROC src vbpc prom vdd {{pfet}} w={{PROC.w}} l={{PROC.l}} nf={{PROC.nf}}
XPRN prnm dr vdd vdd {{pfet}} w={{PRN.w}} l={{PRN.l}} nf={{PRN.nf}}
XPRNC nr vbpc prnm vdd {{pfet}} w={{PRNC.w}} l={{PRNC.l}} nf={{PRNC.nf}}
XNL nlm nl vss vss {{nfet}} w={{NL.w}} l={{NL.l}} nf={{NL.nf}}
XNLC nl vbnc nlm vss {{nfet}} w={{NLC.w}} l={{NLC.l}} nf={{NLC.nf}}
XNR nrm nr vss vss {{nfet}} w={{NR.w}} l={{NR.l}} nf={{NR.nf}}
XNRC nr vbnc nrm vss {{nfet}} w={{NRC.w}} l={{NRC.l}} nf={{NRC.nf}}
XNLO nlom nl vss vss {{nfet}} w={{NLO.w}} l={{NLO.l}} nf={{NLO.nf}}
XNLOC src vbnc nlom vss {{nfet}} w={{NLOC.w}} l={{NLOC.l}} nf={{NLOC.nf}}
XNRO nrom nr vss vss {{nfet}} w={{NRO.w}} l={{NRO.l}} nf={{NRO.nf}}
XNROC des vbnc nrom vss {{nfet}} w={{NROC.w}} l={{NROC.l}} nf={{NROC.nf}}
.ends kn_output_stage
