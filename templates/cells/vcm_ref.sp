* V_CM reference: the voltage that stands for model 0 and for network node 0.
*
* Ideal element (listed in every report): a voltage source {{vcm}} V. Edges that touch node 0 connect to
* vcm, which must sink or source their currents; gates referenced to vcm draw nothing.
.subckt kn_vcm_ref vcm vss
Vvcm vcm vss dc {{vcm}}
.ends kn_vcm_ref
