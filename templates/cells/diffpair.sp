* Differential pair, nfet, weak inversion: the tanh core.
*
* Schematic: Q1 (drain d1, gate g1) and Q2 (drain d2, gate g2) share the source node t; the tail T sinks
* IT from t, mirrored from the diode B that the bias reference {{bias.itail}} feeds.
* Bias: both devices at gm/ID near the weak-inversion maximum (92 % of it), |VDS| >= 4 U_T.
* Transfer: I(d1) - I(d2) = IT * tanh((V(g1) - V(g2)) / V_t), V_t = 2 / (gm/ID) ~ 2 n U_T (about 75 mV in
* sky130 at L = 1 um). The amplitude is the tail current: IT = beta for an edge of amplitude 1.
.subckt kn_diffpair d1 d2 g1 g2 vdd vss
XQ1 d1 g1 t vss {{nfet}} w={{Q1.w}} l={{Q1.l}} nf={{Q1.nf}}
XQ2 d2 g2 t vss {{nfet}} w={{Q2.w}} l={{Q2.l}} nf={{Q2.nf}}
XT t b vss vss {{nfet}} w={{T.w}} l={{T.l}} nf={{T.nf}}
XB b b vss vss {{nfet}} w={{B.w}} l={{B.l}} nf={{B.nf}}
Iitail vdd b dc {{bias.itail}}
.ends kn_diffpair
