//! Adapter to the MoD showcase (витрина Минобороны) of SVO participants.
