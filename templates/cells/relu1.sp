* kn-toolkit cell template: relu1
*
* A degenerated nfet pair (gates at src and des) gives I1 − I2 = G·(Vs − Vd); node x receives I1 and
* sinks I2 and the offset current G·α·p0, and the cascoded nfet diode at x passes only the positive
* part (the relu). Mirrors copy it as a sink at osnk and a source at osrc: osnk = src and osrc = des
* for p1 > 0, swapped for p1 < 0.
*
* Ports: inp inn osnk osrc (bound per cell to src, des or vcm), vdd vss vbnc vbpc (global).
* Placeholders: {{NAME.w}} {{NAME.l}} {{NAME.nf}} per device (w = nf x finger width, nf parallel
* fingers; the PDK multiplier is never used), {{NAME.series}} units for resistor stacks, {{bias.NAME}}
* amperes per bias reference, {{nfet}}/{{pfet}} the process's device names. A device with nf = 0 is
* absent in that cell. Design values per cell: G (S), I_F (A), I_o (A), Reff (ohm), slope gain, knee shift (V).
*
* Devices (role: purpose):
*   M1 nfet input: input, gate at src
*   M2 nfet input: input, gate at des
*   T1 nfet tail: tail I_F
*   T2 nfet tail: tail I_F
*   BT nfet diode: tail bias diode
*   RD nfet resistor: degeneration: G = 2/(R + 2/gm)
*   A1 pfet diode: load of M1 (I1)
*   A1C pfet cascode: load of M1 (I1) (cascode)
*   A2 pfet diode: load of M2 (I2)
*   A2C pfet cascode: load of M2 (I2) (cascode)
*   X1 pfet mirror: copy of I1 into the rectifier node x
*   X1C pfet cascode: copy of I1 into the rectifier node x (cascode)
*   Y2 pfet mirror: copy of I2 into the nfet diode b2
*   Y2C pfet cascode: copy of I2 into the nfet diode b2 (cascode)
*   B2 nfet diode: I2 as an nfet mirror input
*   B2C nfet cascode: I2 as an nfet mirror input (cascode)
*   X2 nfet mirror: sinks I2 from x: x receives I1 − I2 = G·(vs − vd)
*   X2C nfet cascode: sinks I2 from x: x receives I1 − I2 = G·(vs − vd) (cascode)
*   OFN nfet mirror: offset sink I_o (p0 > 0)
*   OFNC nfet cascode: offset sink I_o (p0 > 0) (cascode)
*   BO nfet diode: offset sink bias diode
*   OFP pfet mirror: offset source I_o (p0 < 0)
*   OFPC pfet cascode: offset source I_o (p0 < 0) (cascode)
*   BPO pfet diode: offset source bias diode
*   DX nfet diode: rectifier: takes relu(I1 − I2 − I_o)
*   DXC nfet cascode: rectifier: takes relu(I1 − I2 − I_o) (cascode)
*   NS nfet mirror: sinks the edge current from osnk
*   NSC nfet cascode: sinks the edge current from osnk (cascode)
*   NP nfet mirror: edge current into the pfet diode bp
*   NPC nfet cascode: edge current into the pfet diode bp (cascode)
*   PB pfet diode: edge current as a pfet mirror input
*   PBC pfet cascode: edge current as a pfet mirror input (cascode)
*   PS pfet mirror: sources the edge current into osrc
*   PSC pfet cascode: sources the edge current into osrc (cascode)
* Bias references (ideal current sources):
*   if vdd -> bt: tail current I_F
*   ioffn vdd -> bo: offset current G·α·p0 (p0 > 0)
*   ioffp bpo -> vss: offset current G·α·|p0| (p0 < 0)

.subckt kn_relu1 inp inn osnk osrc vdd vss vbnc vbpc
XM1 a1 inp s1 vss {{nfet}} w={{M1.w}} l={{M1.l}} nf={{M1.nf}}
XM2 a2 inn s2 vss {{nfet}} w={{M2.w}} l={{M2.l}} nf={{M2.nf}}
XT1 s1 bt vss vss {{nfet}} w={{T1.w}} l={{T1.l}} nf={{T1.nf}}
XT2 s2 bt vss vss {{nfet}} w={{T2.w}} l={{T2.l}} nf={{T2.nf}}
XBT bt bt vss vss {{nfet}} w={{BT.w}} l={{BT.l}} nf={{BT.nf}}
XRD s1 vdd s2 vss {{nfet}} w={{RD.w}} l={{RD.l}} nf={{RD.nf}} series={{RD.series}}
XA1 a1m a1 vdd vdd {{pfet}} w={{A1.w}} l={{A1.l}} nf={{A1.nf}}
XA1C a1 vbpc a1m vdd {{pfet}} w={{A1C.w}} l={{A1C.l}} nf={{A1C.nf}}
XA2 a2m a2 vdd vdd {{pfet}} w={{A2.w}} l={{A2.l}} nf={{A2.nf}}
XA2C a2 vbpc a2m vdd {{pfet}} w={{A2C.w}} l={{A2C.l}} nf={{A2C.nf}}
XX1 x1m a1 vdd vdd {{pfet}} w={{X1.w}} l={{X1.l}} nf={{X1.nf}}
XX1C x vbpc x1m vdd {{pfet}} w={{X1C.w}} l={{X1C.l}} nf={{X1C.nf}}
XY2 y2m a2 vdd vdd {{pfet}} w={{Y2.w}} l={{Y2.l}} nf={{Y2.nf}}
XY2C b2 vbpc y2m vdd {{pfet}} w={{Y2C.w}} l={{Y2C.l}} nf={{Y2C.nf}}
XB2 b2m b2 vss vss {{nfet}} w={{B2.w}} l={{B2.l}} nf={{B2.nf}}
XB2C b2 vbnc b2m vss {{nfet}} w={{B2C.w}} l={{B2C.l}} nf={{B2C.nf}}
XX2 x2m b2 vss vss {{nfet}} w={{X2.w}} l={{X2.l}} nf={{X2.nf}}
XX2C x vbnc x2m vss {{nfet}} w={{X2C.w}} l={{X2C.l}} nf={{X2C.nf}}
XOFN ofnm bo vss vss {{nfet}} w={{OFN.w}} l={{OFN.l}} nf={{OFN.nf}}
XOFNC x vbnc ofnm vss {{nfet}} w={{OFNC.w}} l={{OFNC.l}} nf={{OFNC.nf}}
XBO bo bo vss vss {{nfet}} w={{BO.w}} l={{BO.l}} nf={{BO.nf}}
XOFP ofpm bpo vdd vdd {{pfet}} w={{OFP.w}} l={{OFP.l}} nf={{OFP.nf}}
XOFPC x vbpc ofpm vdd {{pfet}} w={{OFPC.w}} l={{OFPC.l}} nf={{OFPC.nf}}
XBPO bpo bpo vdd vdd {{pfet}} w={{BPO.w}} l={{BPO.l}} nf={{BPO.nf}}
XDX dxm x vss vss {{nfet}} w={{DX.w}} l={{DX.l}} nf={{DX.nf}}
XDXC x vbnc dxm vss {{nfet}} w={{DXC.w}} l={{DXC.l}} nf={{DXC.nf}}
XNS nsm x vss vss {{nfet}} w={{NS.w}} l={{NS.l}} nf={{NS.nf}}
XNSC osnk vbnc nsm vss {{nfet}} w={{NSC.w}} l={{NSC.l}} nf={{NSC.nf}}
XNP npm x vss vss {{nfet}} w={{NP.w}} l={{NP.l}} nf={{NP.nf}}
XNPC bp vbnc npm vss {{nfet}} w={{NPC.w}} l={{NPC.l}} nf={{NPC.nf}}
XPB pbm bp vdd vdd {{pfet}} w={{PB.w}} l={{PB.l}} nf={{PB.nf}}
XPBC bp vbpc pbm vdd {{pfet}} w={{PBC.w}} l={{PBC.l}} nf={{PBC.nf}}
XPS psm bp vdd vdd {{pfet}} w={{PS.w}} l={{PS.l}} nf={{PS.nf}}
XPSC osrc vbpc psm vdd {{pfet}} w={{PSC.w}} l={{PSC.l}} nf={{PSC.nf}}
Iif vdd bt dc {{bias.if}}
Iioffn vdd bo dc {{bias.ioffn}}
Iioffp bpo vss dc {{bias.ioffp}}
.ends kn_relu1
