* Source-degenerated nfet transconductor: linear input weighting.
*
* Schematic: M1 (gate in1, drain o1, source s1) and M2 (gate in2, drain o2, source s2), each with its own tail
* sink I_F; a triode nfet stack R (gate at vdd) joins s1 and s2.
* Bias: I_F per side; M1/M2 in weak inversion; R = {{R.series}} series units of {{R.nf}} parallel fingers.
* Transfer: I(o1) - I(o2) = G * (V(in1) - V(in2)) with G = 2 / (R + 2/gm) for |G * dV| < 2 I_F. The 1/gm
* residue is taken off R when it is sized (R = 2/G - 2/gm(I_F)); a calibration pass measures what is left.
* A weight w on a node referenced to V_CM needs G = (weight scale) * |w|; its sign picks which gate sees
* the node and which sees vcm.
.subckt kn_degenerated_gm o1 o2 in1 in2 vdd vss
XM1 o1 in1 s1 vss {{nfet}} w={{M1.w}} l={{M1.l}} nf={{M1.nf}}
XM2 o2 in2 s2 vss {{nfet}} w={{M2.w}} l={{M2.l}} nf={{M2.nf}}
XT1 s1 b vss vss {{nfet}} w={{T1.w}} l={{T1.l}} nf={{T1.nf}}
XT2 s2 b vss vss {{nfet}} w={{T2.w}} l={{T2.l}} nf={{T2.nf}}
XB b b vss vss {{nfet}} w={{B.w}} l={{B.l}} nf={{B.nf}}
XR s1 vdd s2 vss {{nfet}} w={{R.w}} l={{R.l}} nf={{R.nf}} series={{R.series}}
Iif vdd b dc {{bias.if}}
.ends kn_degenerated_gm
