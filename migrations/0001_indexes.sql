-- Indexes for the lookups every command makes: objects by uuid are
-- covered by the UNIQUE constraints; these cover the references that
-- suspend/resume follow (VM -> suspend VDI, VDI -> SR, VBD -> VM/VDI)
-- and listing suspend VDIs by type.
CREATE INDEX VDI_SR ON VDI (SR);
CREATE INDEX VDI_type ON VDI (type);
CREATE INDEX VM_suspend_VDI ON VM (suspend_VDI);
CREATE INDEX VBD_VM ON VBD (VM);
CREATE INDEX VBD_VDI ON VBD (VDI);
