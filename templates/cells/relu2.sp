* kn-toolkit cell template: relu2
*
* Two degenerated nfet front ends, one per input (gates at the node and at vcm, swapped for a negative
* weight), sum their differential currents into the cascoded pfet diode loads a1 and a2; node x
* receives I(a1), sinks I(a2) and the offset current β_c·b, and a two-level nfet diode at x passes
* only the positive part (the relu) while holding x high enough for the cascoded sinks there. Copies
* ratioed r = NS:DX (wider copies multiply, longer stacks of one-finger units divide) sink the edge
* current from osnk and source it into osrc: osnk = src and osrc = des for a positive output sign,
* swapped for a negative one. The internal scale β_c = β·A/r keeps each front end's transconductance
* inside the resistor range. For a leaky relu (λ = 0.01) or a conductance (λ = 1) a second rectifier
* node y takes the opposite argument and drives λ times its current the other way (sink from osrc,
* source into osnk).
*
* Ports: as1 as2 ad1 ad2 osnk osrc (bound per cell to src, des or vcm), vdd vss vbnc vbpc (global).
* Placeholders: {{NAME.w}} {{NAME.l}} {{NAME.nf}} per device (w = nf x finger width, nf parallel
* fingers; the PDK multiplier is never used), {{NAME.series}} units for stacks, {{bias.NAME}}
* amperes per bias reference, {{nfet}}/{{pfet}} the process's device names. A device with nf = 0 is
* absent in that cell. Design values per cell: G_s (S), G_d (S), beta_c (A/unit), output ratio r, I_o (A), negative ratio λ·r, slope gain, knee shift.
*
* Devices (role: purpose):
*   MS1 nfet input: front end S: input device, drain to load a1
*   MS2 nfet input: front end S: input device, drain to load a2
*   TS1 nfet tail: front end S: tail current I_F
*   TS2 nfet tail: front end S: tail current I_F
*   BS nfet diode: front end S: tail bias diode
*   RS nfet resistor: front end S: degeneration, G = 2/(R + 2/gm) sets the weight
*   MD1 nfet input: front end D: input device, drain to load a1
*   MD2 nfet input: front end D: input device, drain to load a2
*   TD1 nfet tail: front end D: tail current I_F
*   TD2 nfet tail: front end D: tail current I_F
*   BD nfet diode: front end D: tail bias diode
*   RD nfet resistor: front end D: degeneration, G = 2/(R + 2/gm) sets the weight
*   A1 pfet diode: load a1: sum of the device-1 currents
*   A1C pfet cascode: load a1: sum of the device-1 currents (cascode)
*   A2 pfet diode: load a2: sum of the device-2 currents
*   A2C pfet cascode: load a2: sum of the device-2 currents (cascode)
*   X1 pfet mirror: copy of I(a1) into the rectifier node x
*   X1C pfet cascode: copy of I(a1) into the rectifier node x (cascode)
*   Y2 pfet mirror: copy of I(a2) into the nfet diode b2
*   Y2C pfet cascode: copy of I(a2) into the nfet diode b2 (cascode)
*   B2 nfet diode: I(a2) as an nfet mirror input
*   B2C nfet cascode: I(a2) as an nfet mirror input (cascode)
*   X2 nfet mirror: sinks I(a2) from x: x receives I(a1) − I(a2) = β_c·(w_s·vs + w_d·vd)
*   X2C nfet cascode: sinks I(a2) from x: x receives I(a1) − I(a2) = β_c·(w_s·vs + w_d·vd) (cascode)
*   OFN nfet mirror: offset sink β_c·|b| (b < 0)
*   OFNC nfet cascode: offset sink β_c·|b| (b < 0) (cascode)
*   BO nfet diode: offset sink bias diode
*   OFP pfet mirror: offset source β_c·b (b > 0)
*   OFPC pfet cascode: offset source β_c·b (b > 0) (cascode)
*   BPO pfet diode: offset source bias diode
*   DX nfet diode: rectifier: takes relu(I(a1) − I(a2) + β_c·b) (lower diode)
*   DXC nfet cascode: rectifier: takes relu(I(a1) − I(a2) + β_c·b) (upper diode)
*   NS nfet mirror: sinks r times the rectified current from osnk (r = NS:DX: fingers, divided by series units)
*   NSC nfet cascode: sinks r times the rectified current from osnk (r = NS:DX: fingers, divided by series units) (cascode)
*   NP nfet mirror: r times the rectified current into the pfet diode bp
*   NPC nfet cascode: r times the rectified current into the pfet diode bp (cascode)
*   PB pfet diode: edge current as a pfet mirror input
*   PBC pfet cascode: edge current as a pfet mirror input (cascode)
*   PS pfet mirror: sources the edge current into osrc
*   PSC pfet cascode: sources the edge current into osrc (cascode)
*   Y1 pfet mirror: negative branch: copy of I(a1) into the nfet diode b1
*   Y1C pfet cascode: negative branch: copy of I(a1) into the nfet diode b1 (cascode)
*   B1 nfet diode: negative branch: I(a1) as an nfet mirror input
*   B1C nfet cascode: negative branch: I(a1) as an nfet mirror input (cascode)
*   XN2 pfet mirror: negative branch: copy of I(a2) into node y
*   XN2C pfet cascode: negative branch: copy of I(a2) into node y (cascode)
*   XN1 nfet mirror: negative branch: sinks I(a1) from y: y receives −β_c·(w_s·vs + w_d·vd)
*   XN1C nfet cascode: negative branch: sinks I(a1) from y: y receives −β_c·(w_s·vs + w_d·vd) (cascode)
*   OFNY nfet mirror: negative branch: offset sink β_c·b (b > 0)
*   OFNYC nfet cascode: negative branch: offset sink β_c·b (b > 0) (cascode)
*   BOY nfet diode: negative branch: offset sink bias diode
*   OFPY pfet mirror: negative branch: offset source β_c·|b| (b < 0)
*   OFPYC pfet cascode: negative branch: offset source β_c·|b| (b < 0) (cascode)
*   BPOY pfet diode: negative branch: offset source bias diode
*   DY nfet diode: negative branch rectifier: takes relu(−(I(a1) − I(a2) + β_c·b)) (lower diode)
*   DYC nfet cascode: negative branch rectifier: takes relu(−(I(a1) − I(a2) + β_c·b)) (upper diode)
*   NSY nfet mirror: negative branch: sinks λ·r times the rectified current from osrc
*   NSYC nfet cascode: negative branch: sinks λ·r times the rectified current from osrc (cascode)
*   NPY nfet mirror: negative branch: λ·r times the rectified current into the pfet diode bpy
*   NPYC nfet cascode: negative branch: λ·r times the rectified current into the pfet diode bpy (cascode)
*   PBY pfet diode: negative branch: edge current as a pfet mirror input
*   PBYC pfet cascode: negative branch: edge current as a pfet mirror input (cascode)
*   PSY pfet mirror: negative branch: sources the edge current into osnk
*   PSYC pfet cascode: negative branch: sources the edge current into osnk (cascode)
* Bias references (ideal current sources):
*   ifs vdd -> bs: front end S tail current I_F
*   ifd vdd -> bd: front end D tail current I_F
*   ioffn vdd -> bo: offset current β_c·|b| (b < 0)
*   ioffp bpo -> vss: offset current β_c·b (b > 0)
*   ioffyn vdd -> boy: negative branch: offset current β_c·b (b > 0)
*   ioffyp bpoy -> vss: negative branch: offset current β_c·|b| (b < 0)

.subckt kn_relu2 as1 as2 ad1 ad2 osnk osrc vdd vss vbnc vbpc
XMS1 a1 as1 ss1 vss {{nfet}} w={{MS1.w}} l={{MS1.l}} nf={{MS1.nf}}
XMS2 a2 as2 ss2 vss {{nfet}} w={{MS2.w}} l={{MS2.l}} nf={{MS2.nf}}
XTS1 ss1 bs vss vss {{nfet}} w={{TS1.w}} l={{TS1.l}} nf={{TS1.nf}}
XTS2 ss2 bs vss vss {{nfet}} w={{TS2.w}} l={{TS2.l}} nf={{TS2.nf}}
XBS bs bs vss vss {{nfet}} w={{BS.w}} l={{BS.l}} nf={{BS.nf}}
XRS ss1 vdd ss2 vss {{nfet}} w={{RS.w}} l={{RS.l}} nf={{RS.nf}} series={{RS.series}}
XMD1 a1 ad1 sd1 vss {{nfet}} w={{MD1.w}} l={{MD1.l}} nf={{MD1.nf}}
XMD2 a2 ad2 sd2 vss {{nfet}} w={{MD2.w}} l={{MD2.l}} nf={{MD2.nf}}
XTD1 sd1 bd vss vss {{nfet}} w={{TD1.w}} l={{TD1.l}} nf={{TD1.nf}}
XTD2 sd2 bd vss vss {{nfet}} w={{TD2.w}} l={{TD2.l}} nf={{TD2.nf}}
XBD bd bd vss vss {{nfet}} w={{BD.w}} l={{BD.l}} nf={{BD.nf}}
XRD sd1 vdd sd2 vss {{nfet}} w={{RD.w}} l={{RD.l}} nf={{RD.nf}} series={{RD.series}}
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
XDX dxm dxm vss vss {{nfet}} w={{DX.w}} l={{DX.l}} nf={{DX.nf}}
XDXC x x dxm vss {{nfet}} w={{DXC.w}} l={{DXC.l}} nf={{DXC.nf}}
XNS nsm dxm vss vss {{nfet}} w={{NS.w}} l={{NS.l}} nf={{NS.nf}} series={{NS.series}}
XNSC osnk x nsm vss {{nfet}} w={{NSC.w}} l={{NSC.l}} nf={{NSC.nf}}
XNP npm dxm vss vss {{nfet}} w={{NP.w}} l={{NP.l}} nf={{NP.nf}} series={{NP.series}}
XNPC bp x npm vss {{nfet}} w={{NPC.w}} l={{NPC.l}} nf={{NPC.nf}}
XPB pbm bp vdd vdd {{pfet}} w={{PB.w}} l={{PB.l}} nf={{PB.nf}}
XPBC bp vbpc pbm vdd {{pfet}} w={{PBC.w}} l={{PBC.l}} nf={{PBC.nf}}
XPS psm bp vdd vdd {{pfet}} w={{PS.w}} l={{PS.l}} nf={{PS.nf}}
XPSC osrc vbpc psm vdd {{pfet}} w={{PSC.w}} l={{PSC.l}} nf={{PSC.nf}}
XY1 y1m a1 vdd vdd {{pfet}} w={{Y1.w}} l={{Y1.l}} nf={{Y1.nf}}
XY1C b1 vbpc y1m vdd {{pfet}} w={{Y1C.w}} l={{Y1C.l}} nf={{Y1C.nf}}
XB1 b1m b1 vss vss {{nfet}} w={{B1.w}} l={{B1.l}} nf={{B1.nf}}
XB1C b1 vbnc b1m vss {{nfet}} w={{B1C.w}} l={{B1C.l}} nf={{B1C.nf}}
XXN2 xn2m a2 vdd vdd {{pfet}} w={{XN2.w}} l={{XN2.l}} nf={{XN2.nf}}
XXN2C y vbpc xn2m vdd {{pfet}} w={{XN2C.w}} l={{XN2C.l}} nf={{XN2C.nf}}
XXN1 xn1m b1 vss vss {{nfet}} w={{XN1.w}} l={{XN1.l}} nf={{XN1.nf}}
XXN1C y vbnc xn1m vss {{nfet}} w={{XN1C.w}} l={{XN1C.l}} nf={{XN1C.nf}}
XOFNY ofnym boy vss vss {{nfet}} w={{OFNY.w}} l={{OFNY.l}} nf={{OFNY.nf}}
XOFNYC y vbnc ofnym vss {{nfet}} w={{OFNYC.w}} l={{OFNYC.l}} nf={{OFNYC.nf}}
XBOY boy boy vss vss {{nfet}} w={{BOY.w}} l={{BOY.l}} nf={{BOY.nf}}
XOFPY ofpym bpoy vdd vdd {{pfet}} w={{OFPY.w}} l={{OFPY.l}} nf={{OFPY.nf}}
XOFPYC y vbpc ofpym vdd {{pfet}} w={{OFPYC.w}} l={{OFPYC.l}} nf={{OFPYC.nf}}
XBPOY bpoy bpoy vdd vdd {{pfet}} w={{BPOY.w}} l={{BPOY.l}} nf={{BPOY.nf}}
XDY dym dym vss vss {{nfet}} w={{DY.w}} l={{DY.l}} nf={{DY.nf}}
XDYC y y dym vss {{nfet}} w={{DYC.w}} l={{DYC.l}} nf={{DYC.nf}}
XNSY nsym dym vss vss {{nfet}} w={{NSY.w}} l={{NSY.l}} nf={{NSY.nf}} series={{NSY.series}}
XNSYC osrc y nsym vss {{nfet}} w={{NSYC.w}} l={{NSYC.l}} nf={{NSYC.nf}}
XNPY npym dym vss vss {{nfet}} w={{NPY.w}} l={{NPY.l}} nf={{NPY.nf}} series={{NPY.series}}
XNPYC bpy y npym vss {{nfet}} w={{NPYC.w}} l={{NPYC.l}} nf={{NPYC.nf}}
XPBY pbym bpy vdd vdd {{pfet}} w={{PBY.w}} l={{PBY.l}} nf={{PBY.nf}}
XPBYC bpy vbpc pbym vdd {{pfet}} w={{PBYC.w}} l={{PBYC.l}} nf={{PBYC.nf}}
XPSY psym bpy vdd vdd {{pfet}} w={{PSY.w}} l={{PSY.l}} nf={{PSY.nf}}
XPSYC osnk vbpc psym vdd {{pfet}} w={{PSYC.w}} l={{PSYC.l}} nf={{PSYC.nf}}
Iifs vdd bs dc {{bias.ifs}}
Iifd vdd bd dc {{bias.ifd}}
Iioffn vdd bo dc {{bias.ioffn}}
Iioffp bpo vss dc {{bias.ioffp}}
Iioffyn vdd boy dc {{bias.ioffyn}}
Iioffyp bpoy vss dc {{bias.ioffyp}}
.ends kn_relu2
