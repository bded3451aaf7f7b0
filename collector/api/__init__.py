"""collector/api"""
