* kn-toolkit cell template: tanh2
*
* Two degenerated nfet transconductors (inputs s and d against vcm) sum their differential currents
* into pfet triode loads p/n (ΔV = V_t·x), an offset sink adds V_t·p2, nfet followers shift p/n down,
* and a weak-inversion nfet pair turns ΔV into IT·tanh(x); the floating output stage sources I1 − I2
* into des and sinks it from src.
*
* Ports: src des as1 as2 ad1 ad2 (bound per cell to src, des or vcm), vdd vss vbnc vbpc (global).
* Placeholders: {{NAME.w}} {{NAME.l}} {{NAME.nf}} per device (w = nf x finger width, nf parallel
* fingers; the PDK multiplier is never used), {{NAME.series}} units for stacks, {{bias.NAME}}
* amperes per bias reference, {{nfet}}/{{pfet}} the process's device names. A device with nf = 0 is
* absent in that cell. Design values per cell: Reff_s (ohm), Reff_d (ohm), r_load (ohm), V_t (V), IT (A), amplitude correction, argument gain, argument offset.
*
* Devices (role: purpose):
*   MS1 nfet input: front end S: input device, drain to load p
*   MS2 nfet input: front end S: input device, drain to load n
*   TS1 nfet tail: front end S: tail current I_F
*   TS2 nfet tail: front end S: tail current I_F
*   BS nfet diode: front end S: tail bias diode
*   RS nfet resistor: front end S: degeneration, sets the weight
*   MD1 nfet input: front end D: input device, drain to load p
*   MD2 nfet input: front end D: input device, drain to load n
*   TD1 nfet tail: front end D: tail current I_F
*   TD2 nfet tail: front end D: tail current I_F
*   BD nfet diode: front end D: tail bias diode
*   RD nfet resistor: front end D: degeneration, sets the weight
*   RLP pfet resistor: load of p: pfet triode to vdd
*   RLN pfet resistor: load of n: pfet triode to vdd
*   SP pfet tail: DC bypass source into p
*   SN pfet tail: DC bypass source into n
*   BSP pfet diode: bypass bias diode
*   OP nfet tail: offset sink on p (p2 < 0)
*   ON nfet tail: offset sink on n (p2 > 0)
*   BO nfet diode: offset bias diode
*   FP nfet follower: level shift of p
*   FN nfet follower: level shift of n
*   TFP nfet tail: follower current
*   TFN nfet tail: follower current
*   BF nfet diode: follower bias diode
*   QL nfet tanhPair: tanh pair, left: I1 = IT/2·(1 + tanh x)
*   QR nfet tanhPair: tanh pair, right: I2 = IT/2·(1 − tanh x)
*   TQ nfet tail: tanh tail IT = amplitude β
*   BQ nfet diode: tanh tail bias diode
*   PL pfet diode: output: I1 as a pfet mirror input
*   PLC pfet cascode: output: I1 as a pfet mirror input (cascode)
*   PR pfet diode: output: I2 as a pfet mirror input
*   PRC pfet cascode: output: I2 as a pfet mirror input (cascode)
*   PLO pfet mirror: output: sources I1 into des
*   PLOC pfet cascode: output: sources I1 into des (cascode)
*   PLN pfet mirror: output: I1 into the nfet diode nl
*   PLNC pfet cascode: output: I1 into the nfet diode nl (cascode)
*   PRO pfet mirror: output: sources I2 into src
*   PROC pfet cascode: output: sources I2 into src (cascode)
*   PRN pfet mirror: output: I2 into the nfet diode nr
*   PRNC pfet cascode: output: I2 into the nfet diode nr (cascode)
*   NL nfet diode: output: I1 as an nfet mirror input
*   NLC nfet cascode: output: I1 as an nfet mirror input (cascode)
*   NR nfet diode: output: I2 as an nfet mirror input
*   NRC nfet cascode: output: I2 as an nfet mirror input (cascode)
*   NLO nfet mirror: output: sinks I1 from src
*   NLOC nfet cascode: output: sinks I1 from src (cascode)
*   NRO nfet mirror: output: sinks I2 from des
*   NROC nfet cascode: output: sinks I2 from des (cascode)
* Bias references (ideal current sources):
*   ifs vdd -> bs: front end S tail current I_F
*   ifd vdd -> bd: front end D tail current I_F
*   isrc bsp -> vss: DC bypass current (front-end tails minus the load's DC current)
*   ioff vdd -> bo: offset current r·I_o = V_t·|p2|
*   ifol vdd -> bf: follower current
*   itail vdd -> bq: tanh amplitude IT

.subckt kn_tanh2 src des as1 as2 ad1 ad2 vdd vss vbnc vbpc
XMS1 p as1 ss1 vss {{nfet}} w={{MS1.w}} l={{MS1.l}} nf={{MS1.nf}}
XMS2 n as2 ss2 vss {{nfet}} w={{MS2.w}} l={{MS2.l}} nf={{MS2.nf}}
XTS1 ss1 bs vss vss {{nfet}} w={{TS1.w}} l={{TS1.l}} nf={{TS1.nf}}
XTS2 ss2 bs vss vss {{nfet}} w={{TS2.w}} l={{TS2.l}} nf={{TS2.nf}}
XBS bs bs vss vss {{nfet}} w={{BS.w}} l={{BS.l}} nf={{BS.nf}}
XRS ss1 vdd ss2 vss {{nfet}} w={{RS.w}} l={{RS.l}} nf={{RS.nf}} series={{RS.series}}
XMD1 p ad1 sd1 vss {{nfet}} w={{MD1.w}} l={{MD1.l}} nf={{MD1.nf}}
XMD2 n ad2 sd2 vss {{nfet}} w={{MD2.w}} l={{MD2.l}} nf={{MD2.nf}}
XTD1 sd1 bd vss vss {{nfet}} w={{TD1.w}} l={{TD1.l}} nf={{TD1.nf}}
XTD2 sd2 bd vss vss {{nfet}} w={{TD2.w}} l={{TD2.l}} nf={{TD2.nf}}
XBD bd bd vss vss {{nfet}} w={{BD.w}} l={{BD.l}} nf={{BD.nf}}
XRD sd1 vdd sd2 vss {{nfet}} w={{RD.w}} l={{RD.l}} nf={{RD.nf}} series={{RD.series}}
XRLP p vss vdd vdd {{pfet}} w={{RLP.w}} l={{RLP.l}} nf={{RLP.nf}} series={{RLP.series}}
XRLN n vss vdd vdd {{pfet}} w={{RLN.w}} l={{RLN.l}} nf={{RLN.nf}} series={{RLN.series}}
XSP p bsp vdd vdd {{pfet}} w={{SP.w}} l={{SP.l}} nf={{SP.nf}}
XSN n bsp vdd vdd {{pfet}} w={{SN.w}} l={{SN.l}} nf={{SN.nf}}
XBSP bsp bsp vdd vdd {{pfet}} w={{BSP.w}} l={{BSP.l}} nf={{BSP.nf}}
XOP p bo vss vss {{nfet}} w={{OP.w}} l={{OP.l}} nf={{OP.nf}}
XON n bo vss vss {{nfet}} w={{ON.w}} l={{ON.l}} nf={{ON.nf}}
XBO bo bo vss vss {{nfet}} w={{BO.w}} l={{BO.l}} nf={{BO.nf}}
XFP vdd p pf vss {{nfet}} w={{FP.w}} l={{FP.l}} nf={{FP.nf}}
XFN vdd n nf vss {{nfet}} w={{FN.w}} l={{FN.l}} nf={{FN.nf}}
XTFP pf bf vss vss {{nfet}} w={{TFP.w}} l={{TFP.l}} nf={{TFP.nf}}
XTFN nf bf vss vss {{nfet}} w={{TFN.w}} l={{TFN.l}} nf={{TFN.nf}}
XBF bf bf vss vss {{nfet}} w={{BF.w}} l={{BF.l}} nf={{BF.nf}}
XQL dl pf tq vss {{nfet}} w={{QL.w}} l={{QL.l}} nf={{QL.nf}}
XQR dr nf tq vss {{nfet}} w={{QR.w}} l={{QR.l}} nf={{QR.nf}}
XTQ tq bq vss vss {{nfet}} w={{TQ.w}} l={{TQ.l}} nf={{TQ.nf}}
XBQ bq bq vss vss {{nfet}} w={{BQ.w}} l={{BQ.l}} nf={{BQ.nf}}
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
Iifs vdd bs dc {{bias.ifs}}
Iifd vdd bd dc {{bias.ifd}}
Iisrc bsp vss dc {{bias.isrc}}
Iioff vdd bo dc {{bias.ioff}}
Iifol vdd bf dc {{bias.ifol}}
Iitail vdd bq dc {{bias.itail}}
.ends kn_tanh2
