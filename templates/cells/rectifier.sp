* Current-mode rectifier: relu, and leaky relu with a parallel branch.
*
* Schematic: node x receives the signed current I_x (a pfet copy of I1 in, an nfet copy of I2 and the offset
* current out). The cascoded nfet diode DX/DXC at x conducts only when I_x > 0; when I_x < 0 node x falls
* until the sink leaves saturation and DX carries nothing. Copies of DX (cascoded) deliver the result.
* Leaky relu: a second path mirrors 1 % of I_x's magnitude from the negative side ({{leak.nf}} fingers
* against 100 of the diode), added to the output with the opposite sign.
* Transfer: I(out) = max(I_x, 0) (+ 0.01 * min(I_x, 0) for the leaky form). The knee is sharp as long as
* the sink stays saturated (x above about 0.1 V); the relative knee error grows as 1/|p1| because the
* offset current G*alpha*p0 shrinks with G.
.subckt kn_rectifier x out vbnc vss
XDX dxm x vss vss {{nfet}} w={{DX.w}} l={{DX.l}} nf={{DX.nf}}
XDXC x vbnc dxm vss {{nfet}} w={{DXC.w}} l={{DXC.l}} nf={{DXC.nf}}
XO om x vss vss {{nfet}} w={{O.w}} l={{O.l}} nf={{O.nf}}
XOC out vbnc om vss {{nfet}} w={{OC.w}} l={{OC.l}} nf={{OC.nf}}
.ends kn_rectifier
