"""synclens"""
